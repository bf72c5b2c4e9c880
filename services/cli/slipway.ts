#!/usr/bin/env node
/**
 * The `slipway` command (bin/slipway.js runs this file from dist/): runs the command line and
 * exits with its code, or keeps running for a service (`server`, `executor`) until a signal.
 */
import { runCli } from './run-cli.js';

const outcome = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});
if (outcome !== 'serving') process.exit(outcome);
