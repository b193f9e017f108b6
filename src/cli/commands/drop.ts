import { createInterface } from 'node:readline/promises';
import { ConfigError, PipelineNotFoundError } from '../../errors.js';
import { configOf, pipelineOf, readStoredState, whereOf } from '../cli-pipeline.js';
import type { Command } from '../command.js';

/** `notionflow drop`: drop a pipeline's dataset, after asking. */
export const drop: Command = {
  name: 'drop',
  summary: "drop a pipeline's tables and state (asks first)",
  description: "Drop a pipeline's dataset: every table and the stored state. Asks for confirmation.",
  async run(values) {
    const p = await pipelineOf(configOf(values));
    const where = `dataset ${p.datasetName} in ${p.destination.location(p)}`;
    // A pipeline that never stored a state was never loaded there: say so rather than "Dropped".
    if (!(await readStoredState(p))) throw new PipelineNotFoundError(p.pipelineName, whereOf(p), 'nothing dropped');
    if (!values['yes']) {
      if (!process.stdin.isTTY) throw new ConfigError(`drop needs confirmation: rerun with --yes to drop ${where}`);
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(`Drop every table and the state of ${where}? [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        process.stdout.write('Nothing dropped.\n');
        return;
      }
    }
    const session = await p.destination.open({ pipelineName: p.pipelineName, datasetName: p.datasetName });
    try {
      if (!session.dropDataset) throw new ConfigError(`the ${p.destination.name} destination cannot drop datasets; remove ${where} by hand`);
      await session.dropDataset();
    } finally {
      await session.close();
    }
    process.stdout.write(`Dropped ${where}.\n`);
  },
};
