import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type SmokeOptions, smoke } from './smoke.ts';

// A release wave's last step (CICD-10, ECS-1): the smoke check on every engine the wave released,
// through the endpoint the engine publishes in its region's SSM; then, for ECS, the tag it now runs is
// recorded as the region's released image, so the next `cdk deploy` keeps it. The step runs again when
// the stage rolls back (with the previous release's tag and version), so the record follows a rollback.
// In the pipeline: npx tsx deploy/release/verify-wave.ts (the environment of the action below).

/** Where an engine publishes its public endpoint, and how to call it. */
const ENDPOINTS: Record<string, { leaf: string; url: (value: string) => string }> = {
  fleet: { leaf: 'load-balancer-dns', url: (dns) => `http://${dns}/` },
  asg: { leaf: 'load-balancer-dns', url: (dns) => `http://${dns}/` },
  beanstalk: { leaf: 'endpoint', url: (host) => `http://${host}/` },
  ecs: { leaf: 'load-balancer-dns', url: (dns) => `http://${dns}/` },
  serverless: { leaf: 'api-endpoint', url: (url) => url },
};

/** The SSM parameter (in the target's region) where the engine publishes its endpoint. */
export function endpointParameter(parameterPrefix: string, engine: string, region: string): string {
  const endpoint = ENDPOINTS[engine];
  if (endpoint === undefined) throw new Error(`${engine}: no engine publishes an endpoint under that name`);
  return `${parameterPrefix}/${region}/${engine}/${endpoint.leaf}`;
}

/** What a wave checks. */
export interface WaveVerification {
  /** `<engine>@<region>` for each target of the wave. */
  readonly targets: readonly string[];
  /** `/<app>`: the prefix of every parameter name. */
  readonly parameterPrefix: string;
  /** The version every engine must serve. */
  readonly version: string;
  /** The image tag the wave released. */
  readonly imageTag: string;
  /** Retry settings of the smoke check. */
  readonly smoke?: Omit<SmokeOptions, 'version'>;
  /** An SSM client per region. */
  readonly ssm?: (region: string) => SSMClient;
}

/** Checks every target, then records ECS releases; rejects naming every target that failed. */
export async function verifyWave(wave: WaveVerification): Promise<string[]> {
  const client = wave.ssm ?? ((region: string) => new SSMClient({ region }));
  const targets = wave.targets.map((target) => {
    const [engine = '', region = ''] = target.split('@');
    const endpoint = ENDPOINTS[engine];
    if (endpoint === undefined || region === '') throw new Error(`${target}: expected <engine>@<region>`);
    return { engine, region, endpoint };
  });
  const results = await Promise.allSettled(
    targets.map(async ({ engine, region, endpoint }) => {
      const name = endpointParameter(wave.parameterPrefix, engine, region);
      const { Parameter } = await client(region).send(new GetParameterCommand({ Name: name }));
      if (Parameter?.Value === undefined) throw new Error(`${engine}@${region}: ${name} has no value`);
      await smoke(endpoint.url(Parameter.Value), { version: wave.version, ...wave.smoke }).catch((error) => {
        throw new Error(`${engine}@${region}: ${(error as Error).message}`);
      });
    }),
  );
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failures.length > 0)
    throw new Error(`the wave does not serve ${wave.version}:\n${failures.join('\n')}`);
  const recorded: string[] = [];
  for (const { region } of targets.filter((t) => t.engine === 'ecs')) {
    const name = `${wave.parameterPrefix}/${region}/ecs/released-image`;
    await client(region).send(
      new PutParameterCommand({ Name: name, Value: wave.imageTag, Type: 'String', Overwrite: true }),
    );
    recorded.push(`${name}=${wave.imageTag}`);
  }
  return recorded;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const recorded = await verifyWave({
    targets: env('WAVE_TARGETS').split(' '),
    parameterPrefix: env('PARAMETER_PREFIX'),
    version: env('RELEASE_VERSION'),
    imageTag: env('RELEASE_ID').slice(0, 12),
  }).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
  for (const line of recorded) console.log(`recorded ${line}`);
  console.log(`every engine of the wave serves ${env('RELEASE_VERSION')}`);
}
