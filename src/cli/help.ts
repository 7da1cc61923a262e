import { CommandHelp, Help } from '@oclif/core';

/**
 * The command that runs when iamtrail's first argument is a flag (`bin/run.js` routes
 * `iamtrail --account demo --user alice` to it), as CloudTracker took its flags with no command.
 */
export const MAIN_COMMAND = 'report';

/**
 * Command help that shows the main command's usage in the flags-first form users type, beside
 * the `iamtrail report ...` form; other commands' help is oclif's.
 */
export class IamtrailCommandHelp extends CommandHelp {
  /** Set for the root help (`iamtrail --help`), which adds `iamtrail COMMAND` to the usage. */
  atRoot = false;

  protected override usage(): string {
    if (this.command.id !== MAIN_COMMAND) return super.usage();
    const forms = this.command.usage === undefined ? [] : [this.command.usage].flat();
    const bin = this.config.bin;
    const lines = [
      ...forms.map((form) => `$ ${bin} ${form}`),
      ...forms.map((form) => `$ ${bin} ${MAIN_COMMAND} ${form}`),
      ...(this.atRoot ? [`$ ${bin} COMMAND`] : []),
    ];
    return lines.map((line) => this.#wrapUsage(line)).join('\n');
  }

  /** Wraps a usage line as oclif does: continuation lines indented under the command. */
  #wrapUsage(line: string): string {
    const width = this.opts.maxWidth - this.indentSpacing;
    if (line.length <= width) return line;
    const split = line.slice(0, width).lastIndexOf(' ');
    return `${line.slice(0, split)}\n${this.indent(this.wrap(line.slice(split + 1), this.indentSpacing * 2))}`;
  }
}

/**
 * iamtrail's help (`helpClass` in package.json): `iamtrail --help` and `iamtrail help` show the
 * main command's usage, flags and examples first, then the other commands, so a CloudTracker user
 * finds the flags they know without knowing that they belong to `report`.
 */
export default class IamtrailHelp extends Help {
  protected override CommandHelpClass = IamtrailCommandHelp;

  protected override async showRootHelp(): Promise<void> {
    const main = this.config.findCommand(MAIN_COMMAND);
    if (main === undefined) {
      await super.showRootHelp();
      return;
    }
    const { description } = this.config.pjson as { readonly description?: string };
    this.log(this.wrap(description ?? ''));
    this.log('');
    this.log(this.section('VERSION', this.wrap(this.config.userAgent)));
    this.log('');
    const mainHelp = new IamtrailCommandHelp(main, this.config, this.opts);
    mainHelp.atRoot = true;
    this.log(mainHelp.generate());
    this.log('');
    const topics = this.sortedTopics.filter((topic) => !topic.name.includes(':'));
    if (topics.length > 0) {
      this.log(this.formatTopics(topics));
      this.log('');
    }
    const commands = this.sortedCommands.filter((command) => command.id !== '' && !command.id.includes(':'));
    if (commands.length > 0) {
      this.log(this.formatCommands(commands));
      this.log('');
    }
  }
}
