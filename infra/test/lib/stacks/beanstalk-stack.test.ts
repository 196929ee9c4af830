import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elasticbeanstalk from 'aws-cdk-lib/aws-elasticbeanstalk';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { afterAll, describe, expect, it } from 'vitest';
import { killLeftovers, startService } from '../../../../deploy/test/support/service.ts';
import { beanstalkVersionConfig } from '../../../../scripts/build.ts';
import { buildEstate } from '../../../bin/estate.ts';
import {
  BEANSTALK_DEPLOYMENT_POLICIES,
  DEFAULT_CONFIG,
  databaseNames,
  estateSites,
  PROFILES,
  parseConfig,
} from '../../../config/index.ts';
import { createEstateApp } from '../../../lib/app.ts';
import { BeanstalkStack } from '../../../lib/stacks/beanstalk-stack.ts';
import { FoundationStack } from '../../../lib/stacks/foundation-stack.ts';
import { ebextensionOptions, effectiveOptions, type OptionSetting } from '../../support/beanstalk-options.ts';
import { estate, type TemplateJson } from '../../support/estate.ts';
import { flatten, only, props } from './ec2-template.ts';

const REGIONS = DEFAULT_CONFIG.engines.beanstalk.regions;
const { beanstalk } = DEFAULT_CONFIG;

/** The option settings of an environment in a template, as `namespace/option` → value text. */
function templateOptions(environment: TemplateJson['Resources'][string]): OptionSetting[] {
  return (
    props(environment).OptionSettings as { Namespace: string; OptionName: string; Value: unknown }[]
  ).map((o) => ({ namespace: o.Namespace, optionName: o.OptionName, value: flatten(o.Value) }));
}

/** The platform's defaults of the scaling trigger (Elastic Beanstalk developer guide, aws:autoscaling:trigger). */
const TRIGGER_DEFAULTS: OptionSetting[] = Object.entries({
  MeasureName: 'NetworkOut',
  Statistic: 'Average',
  Unit: 'Bytes',
  Period: '5',
  EvaluationPeriods: '1',
  BreachDuration: '5',
  UpperThreshold: '6000000',
  LowerThreshold: '2000000',
  UpperBreachScaleIncrement: '1',
  LowerBreachScaleIncrement: '-1',
}).map(([optionName, value]) => ({ namespace: 'aws:autoscaling:trigger', optionName, value }));

afterAll(() => killLeftovers());

describe.each(REGIONS)('Hello-Beanstalk-%s', (region) => {
  const json = estate('lab').stack(`Hello-Beanstalk-${region}`).json;
  const [, environment] = only(json, 'AWS::ElasticBeanstalk::Environment');
  const [versionId, version] = only(json, 'AWS::ElasticBeanstalk::ApplicationVersion');
  const options = templateOptions(environment);
  const option = (namespace: string, name: string) =>
    options.find((o) => o.namespace === namespace && o.optionName === name)?.value;
  const bundleKey = String((props(version).SourceBundle as { S3Key: string }).S3Key);
  const bundleDir = join(estate('lab').outcome.outdir, `asset.${bundleKey.replace(/\.zip$/, '')}`);

  it('EB-1: a load-balanced web environment on the configured Node.js platform, running the new version', () => {
    expect(props(environment)).toMatchObject({
      Tier: { Name: 'WebServer', Type: 'Standard' },
      VersionLabel: { Ref: versionId },
    });
    expect(option('aws:elasticbeanstalk:environment', 'EnvironmentType')).toBe('LoadBalanced');
    expect(option('aws:elasticbeanstalk:environment', 'LoadBalancerType')).toBe('application');
  });

  it('EB-1: runs the recommended version of the configured platform branch, looked up at deploy time', () => {
    // A pinned version (a solution stack name) is refused to new accounts once AWS supersedes it.
    expect(props(environment).SolutionStackName).toBeUndefined();
    expect(JSON.stringify(json)).not.toMatch(/Amazon Linux 2023 v\d+\.\d+\.\d+/);
    const [lookupId, lookup] = only(json, 'Custom::BeanstalkPlatform');
    expect(props(environment).PlatformArn).toEqual({
      'Fn::GetAtt': [lookupId, 'PlatformSummaryList.0.PlatformArn'],
    });
    const call = {
      service: 'ElasticBeanstalk',
      action: 'listPlatformVersions',
      parameters: {
        Filters: [
          { Type: 'PlatformBranchName', Operator: '=', Values: [beanstalk.platformBranch] },
          { Type: 'PlatformLifecycleState', Operator: '=', Values: ['recommended'] },
        ],
      },
      physicalResourceId: { id: beanstalk.platformBranch },
      outputPaths: ['PlatformSummaryList.0.PlatformArn'],
    };
    // Looked up again only when the branch (the resource's id and properties) changes.
    expect(JSON.parse(String(props(lookup).Create))).toEqual(call);
    expect(JSON.parse(String(props(lookup).Update))).toEqual(call);
  });

  it('EB-1: highly available: at least two instances, in the private subnets of every AZ, behind a public ALB', () => {
    expect(Number(option('aws:autoscaling:asg', 'MinSize'))).toBe(beanstalk.minInstances);
    expect(beanstalk.minInstances).toBeGreaterThanOrEqual(2);
    // Each subnet id arrives as an output of the region's foundation, named after its subnet.
    const raw = (name: string) => {
      type Joined = { 'Fn::Join': [string, { 'Fn::GetStackOutput': { OutputName: string } }[]] };
      const setting = (props(environment).OptionSettings as { OptionName: string; Value: Joined }[]).find(
        (o) => o.OptionName === name,
      );
      expect(setting, name).toBeDefined();
      const [separator, parts] = (setting as { Value: Joined }).Value['Fn::Join'];
      expect(separator).toBe(',');
      return parts.map((part) => part['Fn::GetStackOutput'].OutputName);
    };
    const instanceSubnets = raw('Subnets');
    const balancerSubnets = raw('ELBSubnets');
    expect(instanceSubnets).toHaveLength(3);
    expect(instanceSubnets.every((name) => /VpcPrivateSubnet\dSubnet/.test(name))).toBe(true);
    expect(balancerSubnets).toHaveLength(3);
    expect(balancerSubnets.every((name) => /VpcPublicSubnet\dSubnet/.test(name))).toBe(true);
    expect(option('aws:ec2:vpc', 'AssociatePublicIpAddress')).toBe('false');
    expect(option('aws:ec2:vpc', 'ELBScheme')).toBe('public');
  });

  it('EB-1: IMDSv2 only, enhanced health on /health, logs streamed and kept, managed platform updates', () => {
    expect(option('aws:autoscaling:launchconfiguration', 'DisableIMDSv1')).toBe('true');
    expect(option('aws:autoscaling:launchconfiguration', 'InstanceType')).toBe(PROFILES.lab.instanceType);
    expect(option('aws:elasticbeanstalk:environment:process:default', 'HealthCheckPath')).toBe('/health');
    expect(option('aws:elasticbeanstalk:healthreporting:system', 'SystemType')).toBe('enhanced');
    expect(option('aws:elasticbeanstalk:cloudwatch:logs', 'StreamLogs')).toBe('true');
    expect(option('aws:elasticbeanstalk:cloudwatch:logs', 'RetentionInDays')).toBe(
      String(PROFILES.lab.logRetentionDays),
    );
    expect(option('aws:elasticbeanstalk:managedactions', 'ManagedActionsEnabled')).toBe('true');
  });

  /** The environment properties as the instances get them: the template's over the bundle's .ebextensions. */
  const effectiveProperties = () => {
    const ebextensions = Object.fromEntries(
      readdirSync(join(bundleDir, '.ebextensions')).map((file) => [
        file,
        ebextensionOptions(readFileSync(join(bundleDir, '.ebextensions', file), 'utf8')),
      ]),
    );
    const prefix = 'aws:elasticbeanstalk:application:environment/';
    return Object.fromEntries(
      [...effectiveOptions({ environment: options, ebextensions, defaults: [] })]
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, value]) => [key.slice(prefix.length), value]),
    );
  };

  it('EB-1, OPS-1: the service learns its engine and drain switch from environment properties, its version from the bundle; this region has no database setting', () => {
    const properties = Object.fromEntries(
      options
        .filter((o) => o.namespace === 'aws:elasticbeanstalk:application:environment')
        .map((o) => [o.optionName, o.value]),
    );
    const drain = { DRAIN_PARAMETER: '/hello/eu-west-1/traffic/drain' };
    expect(properties).toEqual({ ENGINE: 'beanstalk', FAILURE_RATE: '0', ...drain });
    expect(effectiveProperties()).toEqual({
      ...drain,
      ENGINE: 'beanstalk',
      APP_VERSION: expect.stringMatching(/^\d+\.\d+\.\d+-[0-9a-f]{12}$/),
      FAILURE_RATE: '0',
    });
  });

  it('EB-4: the template does not pin the version, so a bundle the pipeline deploys sets what /info reports', () => {
    // An environment setting would win over every later bundle's .ebextensions (the documented precedence).
    const released = ebextensionOptions(beanstalkVersionConfig('0.1.0-abcdef123456'));
    const effective = effectiveOptions({
      environment: options,
      ebextensions: { 'app-version.config': released },
      defaults: [],
    });
    expect(effective.get('aws:elasticbeanstalk:application:environment/APP_VERSION')).toBe(
      '0.1.0-abcdef123456',
    );
    expect(String(props(version).Description)).toContain(effectiveProperties().APP_VERSION);
  });

  it('EB-1: the source bundle holds the Procfile, the .ebextensions and the web bundle, which serves the service', async () => {
    expect(readFileSync(join(bundleDir, 'Procfile'), 'utf8')).toBe('web: node server.mjs\n');
    expect(readdirSync(join(bundleDir, '.ebextensions')).sort()).toEqual([
      'app-version.config',
      'https-redirect.config',
      'scaling-trigger.config',
    ]);
    const properties = effectiveProperties();
    // As the platform runs it: the Procfile's command in the bundle's folder, the properties as variables.
    const service = await startService(join(bundleDir, 'server.mjs'), {
      ...properties,
      WORKERS: '1',
      AWS_REGION: region,
      DATABASE_URL: '',
    });
    try {
      const base = `http://127.0.0.1:${service.port}`;
      expect(await (await fetch(`${base}/`)).text()).toBe('Hello, DevOps!');
      const info = (await (await fetch(`${base}/info`)).json()) as Record<string, unknown>;
      expect(info).toMatchObject({ engine: 'beanstalk', region, version: properties.APP_VERSION });
      const stored = await fetch(`${base}/store`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"hello":"beanstalk"}',
      });
      expect(stored.status).toBe(503);
      expect(await stored.text()).toMatch(/no database configured in this region/);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('EB-2: the template sets no scaling trigger: a setting applied to the environment would override the bundle', () => {
    expect(options.filter((o) => o.namespace === 'aws:autoscaling:trigger')).toEqual([]);
  });

  it("EB-2: with the documented precedence, the bundle's .ebextensions make the trigger CPU in percent", () => {
    const ebextensions = Object.fromEntries(
      readdirSync(join(bundleDir, '.ebextensions')).map((file) => [
        file,
        ebextensionOptions(readFileSync(join(bundleDir, '.ebextensions', file), 'utf8')),
      ]),
    );
    const effective = effectiveOptions({ environment: options, ebextensions, defaults: TRIGGER_DEFAULTS });
    const trigger = (name: string) => effective.get(`aws:autoscaling:trigger/${name}`);
    expect(trigger('MeasureName')).toBe('CPUUtilization');
    expect(trigger('Unit')).toBe('Percent');
    expect(trigger('Statistic')).toBe('Average');
    // Beanstalk refuses a breach duration other than period x evaluation periods.
    expect(Number(trigger('BreachDuration'))).toBe(
      Number(trigger('Period')) * Number(trigger('EvaluationPeriods')),
    );
    expect(Number(trigger('UpperThreshold'))).toBeGreaterThan(Number(trigger('LowerThreshold')));
  });

  it('EB-3: rolls a new version out by the configured deployment policy', () => {
    expect(option('aws:elasticbeanstalk:command', 'DeploymentPolicy')).toBe(beanstalk.deploymentPolicy);
  });
});

describe('the precedence of Beanstalk option settings', () => {
  const trigger = (optionName: string, value: string): OptionSetting => ({
    namespace: 'aws:autoscaling:trigger',
    optionName,
    value,
  });

  it('EB-2: the environment wins over saved configurations, which win over .ebextensions, then the defaults', () => {
    const levels = {
      environment: [trigger('MeasureName', 'NetworkIn')],
      savedConfiguration: [trigger('MeasureName', 'Latency'), trigger('Unit', 'Seconds')],
      ebextensions: { 'a.config': [trigger('MeasureName', 'CPUUtilization'), trigger('Unit', 'Percent')] },
      defaults: TRIGGER_DEFAULTS,
    };
    const effective = effectiveOptions(levels);
    expect(effective.get('aws:autoscaling:trigger/MeasureName')).toBe('NetworkIn');
    expect(effective.get('aws:autoscaling:trigger/Unit')).toBe('Seconds');
    expect(effective.get('aws:autoscaling:trigger/Statistic')).toBe('Average');
    const withoutSaved = effectiveOptions({ ...levels, savedConfiguration: [] });
    expect(withoutSaved.get('aws:autoscaling:trigger/Unit')).toBe('Percent');
  });

  it('EB-2: configuration files apply in file-name order, a later one over an earlier one; both forms read', () => {
    const effective = effectiveOptions({
      environment: [],
      ebextensions: {
        '20-later.config': ebextensionOptions(
          'option_settings:\n  - namespace: aws:autoscaling:trigger\n    option_name: UpperThreshold\n    value: 80\n',
        ),
        '10-earlier.config': ebextensionOptions(
          'option_settings:\n  aws:autoscaling:trigger:\n    UpperThreshold: 60\n',
        ),
      },
      defaults: TRIGGER_DEFAULTS,
    });
    expect(effective.get('aws:autoscaling:trigger/UpperThreshold')).toBe('80');
  });
});

describe('the deployment policy from the config', () => {
  it.each(BEANSTALK_DEPLOYMENT_POLICIES)(
    'EB-3: %s, and traffic-splitting settings only with TrafficSplitting',
    (policy) => {
      // Only the stacks the engine needs: its site's foundation and itself.
      const app = createEstateApp({ builtinValidation: false });
      app.node.setContext('aws:cdk:bundling-stacks', []);
      const config = parseConfig({ beanstalk: { deploymentPolicy: policy } });
      const site = estateSites(config).find(
        (s) => s.role === 'primary' && s.region === config.engines.beanstalk.regions[0],
      );
      if (site === undefined) throw new Error('no Beanstalk site in the default topology');
      const foundation = new FoundationStack(app, { config, site });
      const stack = new BeanstalkStack(app, { config, site, foundation });
      const cfn = stack.service.environment as elasticbeanstalk.CfnEnvironment;
      const settings = stack.resolve(cfn.optionSettings) as {
        namespace: string;
        optionName: string;
        value: string;
      }[];
      const get = (namespace: string, name: string) =>
        settings.find((s) => s.namespace === namespace && s.optionName === name)?.value;
      expect(get('aws:elasticbeanstalk:command', 'DeploymentPolicy')).toBe(policy);
      const splitting = settings.filter((s) => s.namespace === 'aws:elasticbeanstalk:trafficsplitting');
      if (policy === 'TrafficSplitting') {
        expect(get('aws:elasticbeanstalk:trafficsplitting', 'NewVersionPercent')).toBe('10');
        expect(get('aws:elasticbeanstalk:trafficsplitting', 'EvaluationTime')).toBe('5');
      } else {
        expect(splitting).toEqual([]);
      }
    },
  );
});

describe('the beanstalk engine in a region with a database', () => {
  const REGION = 'eu-central-1';
  const app = createEstateApp({ builtinValidation: false });
  app.node.setContext('aws:cdk:bundling-stacks', []);
  const config = parseConfig({
    engines: { asg: { regions: ['us-east-1'] }, beanstalk: { regions: [REGION] } },
  });
  const { stacks } = buildEstate(app, config);
  const stack = stacks.find((s) => s.stackName === `Hello-Beanstalk-${REGION}`) as BeanstalkStack;

  it('DATA-2: its instances read the app secret through SSM and their own cluster endpoint, nothing more', () => {
    const settings = stack.resolve(stack.service.environment.optionSettings) as {
      namespace: string;
      optionName: string;
      value: string;
    }[];
    const properties = Object.fromEntries(
      settings
        .filter((s) => s.namespace === 'aws:elasticbeanstalk:application:environment')
        .map((s) => [s.optionName, s.value]),
    );
    const names = databaseNames(config);
    expect(properties).toMatchObject({
      DB_SECRET_PARAMETER: names.appSecretReference,
      DB_HOST_PARAMETER: names.endpointParameter(REGION),
    });
    const policy = stack.service.instanceRole.node.tryFindChild('DefaultPolicy') as iam.Policy;
    const sids = (stack.resolve(policy.document) as { Statement: { Sid?: string }[] }).Statement.map(
      (s) => s.Sid,
    );
    expect(sids).toEqual([
      'DrainSwitchParameter',
      'DatabaseSecretParameter',
      'DatabaseSecret',
      'DatabaseSecretKey',
      'DatabaseHostParameter',
    ]);
  });

  it('DATA-2: the cluster admits the instance security group on 5432', () => {
    const ingress = stack.node
      .findAll()
      .filter((c): c is ec2.CfnSecurityGroupIngress => c instanceof ec2.CfnSecurityGroupIngress)
      .map((rule) => stack.resolve({ from: rule.fromPort, source: rule.sourceSecurityGroupId }));
    expect(ingress).toEqual([
      { from: 5432, source: stack.resolve(stack.service.instanceSecurityGroup.securityGroupId) },
    ]);
  });
});
