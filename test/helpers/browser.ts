import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

/** Debian's chromium (`.ci/run` installs it), or `IAMTRAIL_CHROMIUM`. */
export const CHROMIUM_PATH = process.env.IAMTRAIL_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium driven by Playwright, for pages opened from disk. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}

/** A page that records everything a self-contained report must never do. */
export interface WatchedPage {
  readonly page: Page;
  /** Console errors, page errors, dialogs (an injected `alert`) and requests off the disk. */
  readonly problems: string[];
  readonly close: () => Promise<void>;
}

/**
 * A fresh page (its own context, downloads accepted) that records any console error, uncaught
 * error, dialog, and request whose URL is not `file:`, `data:` or `blob:` (a CSV export's
 * download); such requests are aborted, so nothing reaches the network.
 */
export async function openWatchedPage(
  browser: Browser,
  viewport = { width: 1280, height: 1000 },
): Promise<WatchedPage> {
  const context = await browser.newContext({ acceptDownloads: true, viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => {
    problems.push(`page error: ${error.message}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  await context.route('**', async (route) => {
    const url = route.request().url();
    if (/^(file|data|blob):/.test(url)) return route.continue();
    problems.push(`network request: ${url}`);
    return route.abort();
  });
  page.on('request', (request) => {
    if (!/^(file|data|blob):/.test(request.url())) problems.push(`request: ${request.url()}`);
  });
  return {
    page,
    problems,
    close: () => context.close(),
  };
}
