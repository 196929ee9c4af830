import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig, recoveredConfig } from '../../../infra/config/index.ts';
import { estateTemplates } from '../../../infra/test/support/estate.ts';
import { type AssemblyInput, formatFigure, posture } from '../../dr-posture.ts';
import { designedRpo, recoverPlan } from '../../recover/plan.ts';

describe('what the account-loss runbook works on', () => {
  it("DR-3: the sources are the recovery account's side of the lost estate's copies; the targets are the recovered estate's regions and engines", () => {
    const plan = recoverPlan(DEFAULT_CONFIG, recoveredConfig(DEFAULT_CONFIG));
    expect(plan).toEqual({
      account: '222222222222',
      sources: {
        // The recovered home region's vault: the relayed copies are there, and a snapshot restores only in
        // its own region.
        vault: { name: 'hello-recovery-us-east-2-vault', region: 'us-east-2' },
        replica: { bucket: 'hello-replica-222222222222-us-east-2', region: 'us-east-2' },
        images: { repository: 'hello/service', region: 'us-east-2' },
        // The last release delivered into the recovery account (CICD-8).
        releases: { bucket: 'hello-standby-releases-222222222222-us-east-2', region: 'us-east-2' },
      },
      regions: ['us-east-2', 'eu-west-1', 'us-west-2', 'ap-southeast-2'],
      endpoints: [
        { name: 'fleet us-east-2', url: 'https://fleet.us-east-2.example.com' },
        { name: 'asg us-east-2', url: 'https://asg.us-east-2.example.com' },
        { name: 'beanstalk eu-west-1', url: 'https://beanstalk.eu-west-1.example.com' },
        { name: 'ecs us-west-2', url: 'https://ecs.us-west-2.example.com' },
        { name: 'serverless ap-southeast-2', url: 'https://serverless.ap-southeast-2.example.com' },
      ],
      domain: 'example.com',
    });
    // Recovered into the home region instead: its landing vault holds the copies.
    const home = parseConfig({ recovery: { homeRegion: 'us-east-1' } }, 'test');
    expect(recoverPlan(home, recoveredConfig(home)).sources.vault).toEqual({
      name: 'hello-recovery-us-east-1-vault',
      region: 'us-east-1',
    });
    // No container engine, no replicated repository to read.
    const noEcs = parseConfig({ engines: { ecs: { enabled: false } } }, 'test');
    expect(recoverPlan(noEcs, recoveredConfig(noEcs)).sources.images).toBeUndefined();
    // No pipeline, no release delivered into the recovery account to look for.
    const noPipeline = parseConfig({ features: { pipeline: false } }, 'test');
    expect(recoverPlan(noPipeline, recoveredConfig(noPipeline)).sources.releases).toBeUndefined();
    // With dns.delegation, the recovered estate's: the parent zone outlived the lost account in the recovery one.
    const delegated = parseConfig(
      { dns: { domainName: 'hello.example.com', delegation: { parentZoneName: 'example.com' } } },
      'test',
    );
    expect(recoverPlan(delegated, recoveredConfig(delegated)).delegation).toMatchObject({
      parentZoneName: 'example.com',
      parentAccount: '222222222222',
      recordName: 'hello.example.com',
      inAccount: true,
    });
  });

  it("DR-3: the designed RPO the runbook holds a recovery point to is the report's: the account row for the landing vault, the account-and-region row for the relayed copies", () => {
    const input: AssemblyInput = { stacks: estateTemplates('lab') };
    const rows = posture(input);
    const rpo = (scenario: string) => rows.find((r) => r.scenario.startsWith(scenario))?.rpo;
    const relayed = designedRpo(input, DEFAULT_CONFIG, 'us-east-2');
    const landed = designedRpo(input, DEFAULT_CONFIG, 'us-east-1');
    expect(relayed.database).toEqual(rpo('primary account + us-east-1'));
    expect(landed.database).toEqual(rpo('primary account ('));
    expect(formatFigure(landed.database)).toBe('1 h + the copy job');
    expect(formatFigure(relayed.database)).toBe('1 h 15 min + the copy jobs');
    expect(relayed.parameters).toEqual(rpo('primary account: parameters'));
  });
});
