import type { CommandName, OptionValues } from './options.js';

/** One `notionflow <command>`: its help texts and what it does (its options are in `OPTIONS`). */
export interface Command {
  readonly name: CommandName;
  /** One line in `notionflow --help`. */
  readonly summary: string;
  /** What `notionflow <command> --help` says above the options. */
  readonly description: string;
  /** Do it; a `NotionflowError` becomes one line on stderr and exit code 1. */
  run(values: OptionValues): Promise<void>;
}
