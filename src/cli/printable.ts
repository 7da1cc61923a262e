import { mapStringsDeep } from '../map-strings.js';

/**
 * Characters that data must not send to a terminal raw: C0 controls (ESC starts ANSI and OSC
 * sequences, CR and LF rewrite or forge lines), DEL, C1 controls (U+009B is a one-character CSI)
 * and the Unicode bidirectional controls that reorder what is shown.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** {@link UNPRINTABLE} for a test, without the global flag's state. */
const HAS_UNPRINTABLE = new RegExp(UNPRINTABLE.source);

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Escapes the characters of {@link UNPRINTABLE} in text that comes from data (names and ARNs from
 * IAM files and logs, event names, file names): ESC is shown as `\x1b`, a newline as `\n`, a bidi
 * control as `\u202e`. Applied where text leaves for the terminal, never to JSON output (which
 * `JSON.stringify` escapes) or to stored data. IAM names cannot hold these characters, so real
 * names print unchanged.
 */
export function toPrintable(text: string): string {
  // Most text holds none: test first, and hand the same string back.
  if (!HAS_UNPRINTABLE.test(text)) return text;
  return text.replace(UNPRINTABLE, (character) => {
    const named = NAMED[character];
    if (named !== undefined) return named;
    const code = character.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * {@link toPrintable} applied to every string of a JSON-shaped value (plain objects, arrays,
 * scalars), for documents handed to a text or CSV renderer; copy on write ({@link mapStringsDeep}),
 * so the result must be read, never changed.
 */
export function toPrintableDeep<T>(value: T): T {
  return mapStringsDeep(value, toPrintable);
}
