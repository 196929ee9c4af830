import type { EstateConfig } from './schema.ts';

/**
 * The default topology of shared/DESIGN.md with placeholder accounts and domain, so `npm run synth`
 * works on a fresh clone. AZ names are per account (us-east-1a is not the same data centre in two
 * accounts): check yours with `aws ec2 describe-availability-zones` before a real deploy.
 */
export const DEFAULT_CONFIG: EstateConfig = {
  appName: 'Hello',
  profile: 'lab',
  deploy: false,
  accounts: { primary: '111111111111', recovery: '222222222222' },
  homeRegion: 'us-east-1',
  recoveryRegion: 'us-east-2',
  regions: {
    'us-east-1': { availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], vpcCidr: '10.10.0.0/16' },
    'eu-west-1': { availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'], vpcCidr: '10.20.0.0/16' },
    'us-west-2': { availabilityZones: ['us-west-2a', 'us-west-2b', 'us-west-2c'], vpcCidr: '10.30.0.0/16' },
    'ap-southeast-2': {
      availabilityZones: ['ap-southeast-2a', 'ap-southeast-2b', 'ap-southeast-2c'],
      vpcCidr: '10.40.0.0/16',
    },
    'eu-central-1': {
      availabilityZones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
      vpcCidr: '10.50.0.0/16',
    },
    'us-east-2': { availabilityZones: ['us-east-2a', 'us-east-2b', 'us-east-2c'], vpcCidr: '10.60.0.0/16' },
  },
  engines: {
    fleet: { enabled: true, regions: ['us-east-1'] },
    asg: { enabled: true, regions: ['us-east-1', 'eu-central-1'] },
    beanstalk: { enabled: true, regions: ['eu-west-1'] },
    ecs: { enabled: true, regions: ['us-west-2'] },
    serverless: { enabled: true, regions: ['ap-southeast-2'] },
  },
  database: { enabled: true, secondaryRegions: ['eu-central-1'], backupRetentionDays: 7 },
  backup: { vaultLock: { minRetentionDays: 1, maxRetentionDays: 35 } },
  dns: { domainName: 'example.com' },
  scheduling: { timeZone: 'America/New_York' },
  ec2: {
    amiParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    fleetInstances: 5,
    asg: {
      minCapacity: 2,
      maxCapacity: 20,
      normalCapacity: 5,
      peakCapacity: 20,
      peakStart: '18:00',
      peakEnd: '23:00',
      cpuTargetPercent: 50,
      healthCheckGraceSeconds: 300,
    },
    deployment: {
      config: 'HalfAtATime',
      customMinimumHealthyPercent: 75,
      outdatedInstances: 'UPDATE',
      suspendScaling: true,
      deregistrationDelaySeconds: 30,
      blueGreen: { readyWaitMinutes: 0, terminationWaitMinutes: 15 },
    },
    rollback: { http5xxThreshold: 5, failureRecordThreshold: 5, periodSeconds: 60 },
  },
  beanstalk: {
    platformBranch: 'Node.js 24 running on 64bit Amazon Linux 2023',
    deploymentPolicy: 'Immutable',
    minInstances: 2,
    maxInstances: 4,
    trafficSplitting: { newVersionPercent: 10, evaluationMinutes: 5 },
  },
  ecs: {
    strategy: 'BLUE_GREEN',
    bakeMinutes: 5,
    stepPercent: 10,
    stepBakeMinutes: 5,
    minTasks: 2,
    maxTasks: 6,
    rollback: { http5xxThreshold: 5, failureRecordThreshold: 5, periodSeconds: 60 },
  },
  serverless: {
    deploymentConfig: 'Canary10Percent5Minutes',
    throttle: { rateLimit: 100, burstLimit: 200 },
    rollback: { http5xxThreshold: 5, failureRecordThreshold: 5, periodSeconds: 60 },
  },
  goldenAmi: {
    baseImage: 'amazon-linux-2023-x86',
    buildInstanceType: 't3.small',
    schedule: {
      expression: 'cron(0 4 ? * sun *)',
      startCondition: 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE',
    },
    keepImages: 3,
    scanFailAbove: 'HIGH',
    refreshMinHealthyPercent: 90,
  },
  compliance: {
    recorder: 'create',
    remediation: { maximumAttempts: 5, retrySeconds: 600 },
    organizationTrail: false,
  },
  budget: { monthlyUsd: 100, recoveryMonthlyUsd: 10 },
  alerts: {},
  tags: { owner: 'devops-student' },
  source: { kind: 'CodeCommit', repositoryName: 'hello-devops', branch: 'main' },
  pipeline: {
    bakeMinutes: 10,
    approval: false,
    executionMode: 'QUEUED',
    canary: { enabled: true, intervalMinutes: 5 },
  },
  features: { edge: true, pipeline: true, goldenAmi: true, compliance: true, backup: true, drills: true },
};
