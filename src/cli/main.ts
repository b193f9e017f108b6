import { parseArgs } from 'node:util';
import { NotionflowError } from '../errors.js';
import type { Command } from './command.js';
import { demo } from './commands/demo.js';
import { drop } from './commands/drop.js';
import { info } from './commands/info.js';
import { loads } from './commands/loads.js';
import { run } from './commands/run.js';
import { schema } from './commands/schema.js';
import { show } from './commands/show.js';
import { state } from './commands/state.js';
import { trace } from './commands/trace.js';
import { DESTINATIONS } from './destinations.js';
import { optionsHelp, parseOptionsOf, type OptionValues } from './options.js';
import { packageVersion } from './version.js';

/** Every command, in the order `--help` lists them. */
const COMMANDS: readonly Command[] = [run, demo, info, state, loads, schema, trace, show, drop];

/**
 * Run the CLI with `argv` (without `node` and the script); resolves with the exit code. dlt's spelling
 * `notionflow pipeline <name> <command> …` is `notionflow <command> --pipeline-name <name> …`.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return first === undefined ? 2 : 0;
  }
  if (first === '--version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (first === 'pipeline') {
    const [name, command, ...options] = rest;
    if (name === undefined || command === undefined) return fail('usage: notionflow pipeline <name> <command> [options] (see notionflow --help)', 2);
    return main([command, '--pipeline-name', name, ...options]);
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) return fail(`unknown command "${first}" (use ${COMMANDS.map((c) => c.name).join(', ')}; see notionflow --help)`, 2);
  let values: OptionValues;
  try {
    // No option is `multiple`, so no value is an array.
    values = parseArgs({ args: rest, options: parseOptionsOf(command.name), strict: true, allowPositionals: false }).values as OptionValues;
  } catch (error) {
    return fail(`${(error as Error).message.split('\n')[0]} (see notionflow ${command.name} --help)`, 2);
  }
  if (values['help']) {
    process.stdout.write(`Usage: notionflow ${command.name} [options]\n\n${command.description}\n\n${optionsHelp(command.name)}\n`);
    return 0;
  }
  try {
    await command.run(values);
    return 0;
  } catch (error) {
    return fail(error instanceof NotionflowError ? error.message : `unexpected error: ${(error as Error).stack ?? String(error)}`, 1);
  }
}

function fail(message: string, code: number): number {
  process.stderr.write(`notionflow: ${message.split('\n')[0]}\n`);
  return code;
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const destinationWidth = Math.max(...Object.keys(DESTINATIONS).map((d) => d.length));
  const destinations = Object.entries(DESTINATIONS).map(([name, d]) => {
    const [firstLine, ...more] = d.help.split('\n');
    return [`  ${name.padEnd(destinationWidth)}  ${firstLine}`, ...more.map((line) => `  ${' '.repeat(destinationWidth)}  ${line}`)].join('\n');
  });
  return `Usage: notionflow <command> [options]
       notionflow pipeline <pipeline-name> <command> [options]   (dlt's spelling)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Destinations (--destination <name>; settings in [destination.<name>] of .notionflow/config.toml
and secrets.toml, or NOTIONFLOW__DESTINATION__<NAME>__<SETTING>):
${destinations.join('\n')}

  --version   print notionflow's version
  -h, --help  show this help

Run \`notionflow <command> --help\` for a command's options.`;
}
