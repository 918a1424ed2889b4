#!/usr/bin/env node
import { Command } from 'commander';
import { serveCommand } from './serve';
import { ctlCommand, snapshotCommand } from './ctl';
import { benchCommand } from './bench';

const program = new Command('concord')
  .description('Concord: a coordination service speaking the etcd v3 API')
  .version('0.1.0');
program.addCommand(serveCommand());
program.addCommand(ctlCommand()).addCommand(snapshotCommand());
program.addCommand(benchCommand());
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`concord: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
