import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

/** Longest stress a run may ask for, in seconds: a forgotten rehearsal ends on its own. */
export const MAX_STRESS_SECONDS = 900;

/**
 * The script of the document's one step. `{{ durationSeconds }}` is substituted by SSM; the script
 * still validates and clamps it (1 … MAX_STRESS_SECONDS), so the bound holds whatever the caller sends.
 * stress-ng where the AMI has it, else one busy bash loop per core, each under `timeout`. Bash, not
 * POSIX sh (`[[ ]]`, `(( ))`): Amazon Linux's sh is bash.
 */
export const CPU_STRESS_SCRIPT: readonly string[] = [
  '#!/bin/bash',
  'set -euo pipefail',
  "requested='{{ durationSeconds }}'",
  `max=${MAX_STRESS_SECONDS}`,
  'if ! [[ "$requested" =~ ^[0-9]{1,6}$ ]]; then echo "durationSeconds must be a whole number, got: $requested" >&2; exit 2; fi',
  'duration=$((10#$requested))',
  'if (( duration > max )); then duration=$max; fi',
  'if (( duration < 1 )); then duration=1; fi',
  'cores=$(nproc)',
  'echo "stressing $cores core(s) for $duration s"',
  'if command -v stress-ng >/dev/null 2>&1; then',
  '  timeout --kill-after=5 "$((duration + 5))" stress-ng --cpu "$cores" --timeout "$duration"s --quiet',
  'else',
  '  for ((i = 0; i < cores; i++)); do',
  `    timeout --kill-after=5 "$duration" bash -c 'while :; do :; done' &`,
  '  done',
  '  for pid in $(jobs -p); do',
  '    status=0',
  '    wait "$pid" || status=$?',
  '    if (( status != 0 && status != 124 )); then exit "$status"; fi',
  '  done',
  'fi',
  'echo "stress done"',
];

/**
 * An SSM Command document that loads every core of the instances it runs on for a bounded time: run it
 * on the ASG (by tag) to watch target tracking scale out, then in again when it ends (SCALE-6).
 */
export class CpuStressDocument extends Construct {
  /** The document; its name is generated (the stack publishes it). */
  readonly document: ssm.CfnDocument;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.document = new ssm.CfnDocument(this, 'Resource', {
      documentType: 'Command',
      documentFormat: 'JSON',
      updateMethod: 'NewVersion',
      content: {
        schemaVersion: '2.2',
        description: `Bounded CPU stress on every core (1 to ${MAX_STRESS_SECONDS} s), to rehearse scaling`,
        parameters: {
          durationSeconds: {
            type: 'String',
            description: `Seconds of stress, clamped to 1-${MAX_STRESS_SECONDS}`,
            default: '300',
            allowedPattern: '^[0-9]{1,6}$',
          },
        },
        mainSteps: [
          {
            action: 'aws:runShellScript',
            name: 'stressCpu',
            precondition: { StringEquals: ['platformType', 'Linux'] },
            inputs: { timeoutSeconds: String(MAX_STRESS_SECONDS + 60), runCommand: [...CPU_STRESS_SCRIPT] },
          },
        ],
      },
    });
  }
}
