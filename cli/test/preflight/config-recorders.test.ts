import {
  type ConfigurationRecorder,
  DescribeConfigurationRecordersCommand,
} from '@aws-sdk/client-config-service';
import { describe, expect, it } from 'vitest';
import { ComplianceRules } from '../../../infra/lib/constructs/governance/compliance-rules.ts';
import {
  checkConfigRecorders,
  HOME_RECORDED_TYPES,
  RECORDED_TYPES,
  unrecorded,
} from '../../preflight/config-recorders.ts';
import { awsError, fakeAws, testConfig } from './support.ts';

const recorder = (recordingGroup: ConfigurationRecorder['recordingGroup']): ConfigurationRecorder => ({
  name: 'default',
  roleARN: 'arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig',
  recordingGroup,
});
const everything = recorder({ allSupported: true, includeGlobalResourceTypes: true });

describe('preflight: the Config recorder of each site', () => {
  it('GOV-5: expects exactly the types the rules evaluate: IAM policies only in each account’s home region', () => {
    const types = (iam: boolean) => ComplianceRules.resourceTypes(iam).map((t) => t.complianceResourceType);
    expect([...HOME_RECORDED_TYPES]).toEqual(types(true));
    expect([...RECORDED_TYPES]).toEqual(types(false));
  });

  it('GOV-5: with recorder "create", a region that already has a recorder fails with the fix; an empty one passes', async () => {
    const aws = fakeAws();
    aws
      .stub('configService', 'primary')
      .on(DescribeConfigurationRecordersCommand)
      .resolves({ ConfigurationRecorders: [] });
    aws
      .stub('configService', 'recovery')
      .on(DescribeConfigurationRecordersCommand)
      .resolves({ ConfigurationRecorders: [] });
    aws
      .stub('configService', 'primary', 'eu-west-1')
      .on(DescribeConfigurationRecordersCommand)
      .resolves({ ConfigurationRecorders: [everything] });
    const rows = await checkConfigRecorders(testConfig(), aws.clients);
    const failed = rows.filter((r) => r.status === 'BLOCKER');
    expect(failed).toEqual([
      {
        check: 'config recorder',
        scope: 'primary eu-west-1',
        status: 'BLOCKER',
        detail: 'recorder default already exists and Config allows one per region',
        fix: 'set compliance.recorder to "existing" in the config',
      },
    ]);
    expect(rows.filter((r) => r.status === 'ok').length).toBe(rows.length - 1);
  });

  it('GOV-5: a service-linked recorder of another service does not count as the region’s recorder', async () => {
    const aws = fakeAws();
    const linked = {
      ...everything,
      name: 'AWSConfigurationRecorderForSecurityHub',
      servicePrincipal: 'securityhub.amazonaws.com',
    };
    for (const role of ['primary', 'recovery'] as const)
      aws
        .stub('configService', role)
        .on(DescribeConfigurationRecordersCommand)
        .resolves({ ConfigurationRecorders: [linked] });
    const rows = await checkConfigRecorders(testConfig(), aws.clients);
    expect(rows.every((r) => r.status === 'ok')).toBe(true);
  });

  it('GOV-5: with recorder "existing", a region without a recorder, or one that skips a needed type, fails naming it', async () => {
    const aws = fakeAws();
    const config = testConfig({ compliance: { recorder: 'existing' } });
    aws
      .stub('configService', 'primary')
      .on(DescribeConfigurationRecordersCommand)
      .resolves({ ConfigurationRecorders: [everything] });
    aws
      .stub('configService', 'primary', config.homeRegion)
      .on(DescribeConfigurationRecordersCommand)
      .resolves({
        ConfigurationRecorders: [recorder({ allSupported: true, includeGlobalResourceTypes: false })],
      });
    aws
      .stub('configService', 'recovery')
      .on(DescribeConfigurationRecordersCommand)
      .resolves({ ConfigurationRecorders: [] });
    const rows = await checkConfigRecorders(config, aws.clients);
    expect(rows.filter((r) => r.status === 'BLOCKER').map((r) => [r.scope, r.detail])).toEqual([
      [
        `primary ${config.homeRegion}`,
        'recorder default does not record AWS::IAM::Policy, which the rules evaluate',
      ],
      [
        `recovery ${config.recoveryRegion}`,
        'compliance.recorder is "existing" but this region has no recorder',
      ],
    ]);
  });

  it('GOV-5: reads inclusion, exclusion and all-supported recording groups as Config does', () => {
    const needed = HOME_RECORDED_TYPES;
    expect(unrecorded(everything, needed)).toEqual([]);
    expect(
      unrecorded(
        recorder({
          recordingStrategy: { useOnly: 'INCLUSION_BY_RESOURCE_TYPES' },
          resourceTypes: ['AWS::EC2::Instance'],
        }),
        needed,
      ),
    ).toEqual(['AWS::EC2::Volume', 'AWS::S3::Bucket', 'AWS::IAM::Policy']);
    expect(
      unrecorded(
        recorder({
          recordingStrategy: { useOnly: 'EXCLUSION_BY_RESOURCE_TYPES' },
          exclusionByResourceTypes: { resourceTypes: ['AWS::EC2::Volume'] },
        }),
        needed,
      ),
    ).toEqual(['AWS::EC2::Volume']);
  });

  it('GOV-5: a denied read is a warning naming the permission, not a crash', async () => {
    const aws = fakeAws();
    for (const role of ['primary', 'recovery'] as const)
      aws
        .stub('configService', role)
        .on(DescribeConfigurationRecordersCommand)
        .rejects(awsError('AccessDeniedException'));
    const rows = await checkConfigRecorders(testConfig(), aws.clients);
    expect(
      rows.every((r) => r.status === 'warn' && r.fix.includes('config:DescribeConfigurationRecorders')),
    ).toBe(true);
  });
});
