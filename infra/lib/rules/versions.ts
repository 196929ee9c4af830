import { type DeployTimeRule, type Finding, literal, resourcesOf } from './assembly.ts';

/**
 * Lambda runtimes AWS deprecates: creating a function on them is blocked some months later, so a
 * first deploy into a new account fails.
 */
export const RETIRING_RUNTIMES: Readonly<Record<string, string>> = {
  'nodejs16.x': 'deprecated',
  'nodejs18.x': 'deprecated',
  'nodejs20.x': 'deprecated (creation disabled from 2027-02-01)',
  'python3.8': 'deprecated',
  'go1.x': 'deprecated (use provided.al2023)',
  provided: 'deprecated with Amazon Linux 1 (use provided.al2023)',
};

export const noRetiringRuntime: DeployTimeRule = {
  id: 'DT-LAMBDA-RUNTIME',
  what: 'No Lambda function (the estate’s or a construct library’s) uses a runtime AWS deprecates for new functions',
  source: 'aws-facts §5 and §14 (pin nodejs24.x); AWS Lambda Developer Guide, "Runtime deprecation policy"',
  check: (assembly) =>
    assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, 'AWS::Lambda::Function').flatMap(([id, r]): Finding[] => {
        const runtime = literal(r.Properties?.Runtime, stack);
        const why = runtime === undefined ? undefined : RETIRING_RUNTIMES[runtime];
        return why === undefined
          ? []
          : [
              {
                rule: noRetiringRuntime.id,
                stack: stack.name,
                logicalId: id,
                message: `runtime ${runtime} is ${why}: use nodejs24.x (Runtime.NODEJS_24_X)`,
              },
            ];
      }),
    ),
};

export const noReservedConcurrency: DeployTimeRule = {
  id: 'DT-LAMBDA-RESERVED-CONCURRENCY',
  what: 'No Lambda function reserves concurrency (a new account’s reduced quota refuses any reservation)',
  source:
    'aws-facts §17 (decreases account’s UnreservedConcurrentExecution below its minimum value); Lambda Developer Guide, "Configuring reserved concurrency"',
  check: (assembly) =>
    assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, 'AWS::Lambda::Function')
        .filter(([, r]) => r.Properties?.ReservedConcurrentExecutions !== undefined)
        .map(([id, r]) => ({
          rule: noReservedConcurrency.id,
          stack: stack.name,
          logicalId: id,
          message: `reserves ${JSON.stringify(r.Properties?.ReservedConcurrentExecutions)} concurrent executions, which fails in an account whose quota is 10 or 50: drop reservedConcurrentExecutions and make the function idempotent`,
        })),
    ),
};

/** A platform version in a solution stack name (`… v6.10.0 running …`) or a platform ARN. */
const PLATFORM_VERSION = /\bv\d+\.\d+\.\d+\b|:platform\/.+\/\d+\.\d+\.\d+$/;

export const noPinnedPlatform: DeployTimeRule = {
  id: 'DT-BEANSTALK-PLATFORM-PINNED',
  what: 'No Beanstalk environment names a platform version as a literal (superseded versions are not offered to accounts that never used them)',
  source: 'aws-facts §3 and §17 (versions AWS retires for new resources)',
  check: (assembly) =>
    assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, 'AWS::ElasticBeanstalk::Environment').flatMap(([id, r]): Finding[] => {
        const named = [r.Properties?.SolutionStackName, r.Properties?.PlatformArn].filter(
          (v): v is string => typeof v === 'string' && PLATFORM_VERSION.test(v),
        );
        return named.map((name) => ({
          rule: noPinnedPlatform.id,
          stack: stack.name,
          logicalId: id,
          message: `pins the platform "${name}": resolve the current one at deploy time (a parameter or custom resource reading ListAvailableSolutionStacks) or check it in preflight`,
        }));
      }),
    ),
};

const ENGINE_TYPES = new Set(['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance', 'AWS::RDS::GlobalCluster']);

export const noPinnedEngineMinor: DeployTimeRule = {
  id: 'DT-RDS-ENGINE-PINNED',
  what: 'No RDS or Aurora cluster, instance or global cluster pins a minor engine version as a literal (minors are retired for new clusters)',
  source: 'aws-facts §17 (Aurora minor versions are retired for new clusters)',
  check: (assembly) =>
    assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, (t) => ENGINE_TYPES.has(t)).flatMap(([id, r]): Finding[] => {
        const version = r.Properties?.EngineVersion;
        return typeof version === 'string' && /^\d+\.\d+/.test(version)
          ? [
              {
                rule: noPinnedEngineMinor.id,
                stack: stack.name,
                logicalId: id,
                message: `pins engine version ${version}: give the major only (with auto minor upgrades) or resolve the current minor at deploy time and check it in preflight`,
              },
            ]
          : [];
      }),
    ),
};
