#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { compilePlan } from '../core/plan/compile-plan.js';
import { apiCommand } from './api-commands.js';
import { runLocal } from './run-local.js';
import { formatIssues } from '../core/buildspec/format-issues.js';
import { startApprover } from '../approver/start-approver.js';
import { startExecutor } from '../executor/start-executor.js';
import { startPlanner } from '../planner/start-planner.js';
import { startReceiver } from '../receiver/start-receiver.js';
import { startReporter } from '../reporter/start-reporter.js';
import { ConfigError, loadConfig } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { closeOnSignals } from '../shared/service.js';
import { specParser } from '../shared/spec-parser.js';

const USAGE = `usage: slipway <command>
  server              receiver (webhooks, API) with the planner, reporter and approver workers
  executor            the executor: runs builds as Swarm services
  validate [FILE]     check a .buildspec.yml (default ./.buildspec.yml); exit 1 when invalid
  plan [FILE]         print the plan a spec compiles to, as JSON, without running anything
  run [FILE]          run a spec on the local swarm with the working tree as workspace:
                      live logs, a line per stage, exit code 0 only when the build succeeds
  trigger OWNER/REPO SHA [--ref BRANCH] [--param NAME=VALUE]...
                      start a build through a running Slipway's API (SLIPWAY_URL, SLIPWAY_API_TOKEN)
  approve|reject BUILD --as LOGIN
                      decide a deploy waiting for approval, as that GitHub user
  cancel BUILD        cancel a build`;

async function main(argv: string[]): Promise<number> {
  const [command, file = '.buildspec.yml'] = argv;
  switch (command) {
    case 'server': {
      const config = loadConfig(process.env, ['webhookSecret']);
      const logger = createLogger('server');
      const parts = [
        startPlanner(config, logger),
        startReporter(config, logger),
        startApprover(config, logger),
        await startReceiver(config, logger),
      ];
      closeOnSignals(parts);
      return -1;
    }
    case 'executor': {
      const config = loadConfig(process.env);
      const logger = createLogger('executor');
      closeOnSignals([await startExecutor(config, logger)]);
      logger.info('executor waiting for builds', { concurrency: config.executorConcurrency });
      return -1;
    }
    case 'run':
      return runLocal(file, loadConfig(process.env));
    case 'trigger':
    case 'approve':
    case 'reject':
    case 'cancel':
      return apiCommand(command, argv.slice(1), process.env, process.stdout);
    case 'validate':
    case 'plan': {
      const result = specParser()(readFileSync(file, 'utf8'));
      if (!result.ok) {
        process.stderr.write(`${formatIssues(result.issues, file)}\n${result.issues.length} problem(s) in ${file}\n`);
        return 1;
      }
      if (command === 'validate') {
        process.stdout.write(`${file} is valid\n`);
        return 0;
      }
      const request = {
        id: 'local',
        event: 'manual',
        repo: { owner: 'local', name: 'local' },
        sha: 'HEAD',
        ref: 'refs/heads/local',
        cloneUrl: '.',
        sender: 'local',
      };
      const plan = compilePlan(result.spec, request, { gitImage: loadConfig(process.env).gitImage });
      process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return command ? 2 : 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(
      `slipway: ${err instanceof ConfigError ? err.message : err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exit(1);
  },
);
