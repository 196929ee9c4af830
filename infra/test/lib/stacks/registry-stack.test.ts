import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../config/index.ts';
import { estate } from '../../support/estate.ts';
import { only, props } from './ec2-template.ts';

const HOME = DEFAULT_CONFIG.homeRegion;
const { primary: PRIMARY, recovery: RECOVERY } = DEFAULT_CONFIG.accounts;

describe(`Hello-Registry-${HOME}`, () => {
  const stack = estate('lab').stack(`Hello-Registry-${HOME}`);
  const json = stack.json;
  const [, repository] = only(json, 'AWS::ECR::Repository');

  it('ECS-1: the repository the image is pushed to scans every push, never lets a tag move, and is on the estate key', () => {
    expect(props(repository)).toMatchObject({
      RepositoryName: 'hello/service',
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
      EncryptionConfiguration: { EncryptionType: 'KMS' },
    });
    expect(JSON.stringify(props(repository).EncryptionConfiguration)).toMatch(/EstateKey/);
    const rules = JSON.parse(
      (props(repository).LifecyclePolicy as { LifecyclePolicyText: string }).LifecyclePolicyText,
    ).rules as { selection: Record<string, unknown> }[];
    expect(rules.map((r) => r.selection.tagStatus)).toEqual(['untagged', 'any']);
  });

  it('ECS-2: every push is copied to the ECS regions and to the recovery account, for the estate prefix only', () => {
    const [, replication] = only(json, 'AWS::ECR::ReplicationConfiguration');
    const [rule] = (props(replication).ReplicationConfiguration as { Rules: Record<string, unknown>[] })
      .Rules;
    expect(rule?.RepositoryFilters).toEqual([{ Filter: 'hello', FilterType: 'PREFIX_MATCH' }]);
    expect(rule?.Destinations).toEqual([
      ...DEFAULT_CONFIG.engines.ecs.regions.map((region) => ({ Region: region, RegistryId: PRIMARY })),
      { Region: DEFAULT_CONFIG.recoveryRegion, RegistryId: RECOVERY },
    ]);
    expect(stack.dependsOn).toContain(`Hello-Recovery-Data-${DEFAULT_CONFIG.recoveryRegion}`);
  });

  it('ECS-2: the recovery account may pull from here, and only pull', () => {
    const statements = (props(repository).RepositoryPolicyText as { Statement: Record<string, unknown>[] })
      .Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Sid: 'CrossAccountPull',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${RECOVERY}:root` },
    });
    expect([statements[0]?.Action].flat().sort()).toEqual([
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
    ]);
  });
});

describe(`Hello-Recovery-Data-${DEFAULT_CONFIG.recoveryRegion}`, () => {
  it('ECS-2: the recovery registry lets the primary account replicate into the estate prefix, nothing else', () => {
    const json = estate('lab').stack(`Hello-Recovery-Data-${DEFAULT_CONFIG.recoveryRegion}`).json;
    const [, policy] = only(json, 'AWS::ECR::RegistryPolicy');
    expect(props(policy).PolicyText).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReplicationFromThePrimaryAccount',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${PRIMARY}:root` },
          Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'],
          Resource: `arn:aws:ecr:${DEFAULT_CONFIG.recoveryRegion}:${RECOVERY}:repository/hello/*`,
        },
      ],
    });
  });
});
