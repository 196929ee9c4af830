// Row group: AWS Config's recorder in each site. Config allows one recorder per account and region, so
// the estate either creates it (none may exist) or relies on the one there (it must record what the
// rules evaluate, or they judge nothing).
import {
  type ConfigurationRecorder,
  DescribeConfigurationRecordersCommand,
} from '@aws-sdk/client-config-service';
import { type EstateConfig, estateSites } from '../../infra/config/index.ts';
import type { PreflightClients } from './clients.ts';
import { probe, type Row, row } from './report.ts';

/** Regional types the rules evaluate in every site; the global IAM policy type only in each account's home region. */
export const RECORDED_TYPES = ['AWS::EC2::Instance', 'AWS::EC2::Volume', 'AWS::S3::Bucket'] as const;
export const HOME_RECORDED_TYPES = [...RECORDED_TYPES, 'AWS::IAM::Policy'] as const;

const GLOBAL_TYPES = new Set(['AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group']);

/** The types among `needed` that `recorder` does not record. */
export function unrecorded(recorder: ConfigurationRecorder, needed: readonly string[]): string[] {
  const group = recorder.recordingGroup;
  const strategy = group?.recordingStrategy?.useOnly;
  const listed = new Set<string>(group?.resourceTypes ?? []);
  const excluded = new Set<string>(group?.exclusionByResourceTypes?.resourceTypes ?? []);
  return needed.filter((type) => {
    if (strategy === 'EXCLUSION_BY_RESOURCE_TYPES') return excluded.has(type);
    if (group?.allSupported === true || strategy === 'ALL_SUPPORTED_RESOURCE_TYPES')
      return GLOBAL_TYPES.has(type) && group?.includeGlobalResourceTypes !== true;
    return !listed.has(type);
  });
}

/** One row per site: a recorder to create must not exist yet; an existing one must exist and record enough. */
export async function checkConfigRecorders(config: EstateConfig, clients: PreflightClients): Promise<Row[]> {
  if (!config.features.compliance) return [];
  const mode = config.compliance.recorder;
  const check = 'config recorder';
  const probes = estateSites(config).map((site) => {
    const scope = `${site.role} ${site.region}`;
    const accountHome = site.role === 'primary' ? config.homeRegion : config.recoveryRegion;
    const needed = site.region === accountHome ? HOME_RECORDED_TYPES : RECORDED_TYPES;
    return probe({ check, scope, permissions: ['config:DescribeConfigurationRecorders'] }, async () => {
      const { ConfigurationRecorders: recorders = [] } = await clients
        .configService(site.role, site.region)
        .send(new DescribeConfigurationRecordersCommand({}));
      // Service-linked recorders (another service's, e.g. Security Hub's) do not count against the one we manage.
      const own = recorders.filter((r) => r.servicePrincipal === undefined);
      const [recorder] = own;
      if (mode === 'create') {
        if (recorder === undefined)
          return [row(check, scope, 'ok', 'no recorder yet: the estate creates it')];
        return [
          row(
            check,
            scope,
            'BLOCKER',
            `recorder ${recorder.name} already exists and Config allows one per region`,
            'set compliance.recorder to "existing" in the config',
          ),
        ];
      }
      if (recorder === undefined) {
        return [
          row(
            check,
            scope,
            'BLOCKER',
            'compliance.recorder is "existing" but this region has no recorder',
            'set compliance.recorder to "create", or set up Config in this region',
          ),
        ];
      }
      const missing = unrecorded(recorder, needed);
      if (missing.length > 0) {
        return [
          row(
            check,
            scope,
            'BLOCKER',
            `recorder ${recorder.name} does not record ${missing.join(', ')}, which the rules evaluate`,
            `add ${missing.join(', ')} to its recording group`,
          ),
        ];
      }
      return [row(check, scope, 'ok', `recorder ${recorder.name} records ${needed.join(', ')}`)];
    });
  });
  return (await Promise.all(probes)).flat();
}
