import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { estateKeyAlias, goldenImageRegions, parameterName } from '../../config/index.ts';
import { serviceWebBundleFile } from '../constructs/engines/service-bundles.ts';
import { PublishedParameters } from '../constructs/foundation/published-parameters.ts';
import { BuildInfrastructure } from '../constructs/images/build-infrastructure.ts';
import { goldenImageNames } from '../constructs/images/golden-image-names.ts';
import { GoldenImageRecipe, RECIPE_VERSION } from '../constructs/images/golden-image-recipe.ts';
import { ImageComponents } from '../constructs/images/image-components.ts';
import { type ImageCopy, ImageDistribution } from '../constructs/images/image-distribution.ts';
import { ImageLifecycle } from '../constructs/images/image-lifecycle.ts';
import { ImagePipeline } from '../constructs/images/image-pipeline.ts';
import { EstateStack } from './estate-stack.ts';
import type { EngineStackProps } from './fleet-stack.ts';

/**
 * The golden AMI's pipeline (home region, AMI-1, AMI-2): components of deploy/ami on the newest Amazon
 * Linux 2023, built and tested in a private subnet, scanned by Inspector, copied to every EC2 engine
 * region and into the recovery account with each region's `latest` parameter set, older images deleted.
 */
export class ImageStack extends EstateStack {
  /** The pipeline. */
  readonly pipeline: ImagePipeline;
  /** Where the images go. */
  readonly distribution: ImageDistribution;

  constructor(scope: Construct, props: EngineStackProps) {
    super(scope, {
      ...props,
      concern: 'Image',
      description:
        'golden AMI pipeline: weekly bake, test, Inspector scan, copies to the EC2 regions and the recovery account',
    });
    const { config, foundation, site } = props;
    const { goldenAmi, accounts } = config;
    const names = goldenImageNames(config);
    const { partition } = Stack.of(this);
    const key = foundation.key.key;

    const bundle = new s3assets.Asset(this, 'TestBundle', { path: serviceWebBundleFile() });
    const bundleParameter = new ssm.StringParameter(this, 'TestBundleParameter', {
      parameterName: names.testBundleParameter(site.region),
      stringValue: bundle.s3ObjectUrl,
      description: 'The web bundle the golden image test component boots',
    });
    const components = new ImageComponents(this, 'Components', { componentName: names.component });
    const infrastructure = new BuildInfrastructure(this, 'Build', {
      name: `${names.resource}-build`,
      vpc: foundation.network.vpc,
      instanceType: goldenAmi.buildInstanceType,
      topic: foundation.alarms.topic,
      testBundle: { asset: bundle, parameter: bundleParameter },
    });
    const recipe = new GoldenImageRecipe(this, 'Recipe', {
      name: names.resource,
      baseImage: goldenAmi.baseImage,
      build: components.build,
      test: components.test.map((component) => ({
        component,
        parameters: { Region: site.region, BundleParameter: bundleParameter.parameterName },
      })),
      key,
    });
    const aliasArn = (region: string, account: string) =>
      `arn:${partition}:kms:${region}:${account}:alias/${estateKeyAlias(config).replace(/^alias\//, '')}`;
    const copies: ImageCopy[] = [
      ...goldenImageRegions(config).map((region) => ({
        region,
        account: accounts.primary,
        keyArn: region === site.region ? key.keyArn : aliasArn(region, accounts.primary),
        parameterName: names.latestParameter(region),
      })),
      ...(accounts.recovery === undefined
        ? []
        : [
            {
              region: config.recoveryRegion,
              account: accounts.recovery,
              keyArn: aliasArn(config.recoveryRegion, accounts.recovery),
              parameterName: names.latestParameter(config.recoveryRegion),
            },
          ]),
    ];
    const tags = Object.fromEntries([names.imageTag]);
    this.distribution = new ImageDistribution(this, 'Distribution', {
      name: names.resource,
      copies,
      launchAccounts: accounts.recovery === undefined ? [] : [accounts.recovery],
      tags,
    });
    this.pipeline = new ImagePipeline(this, 'Pipeline', {
      name: names.resource,
      recipe: recipe.recipe,
      infrastructure: infrastructure.configuration,
      distribution: this.distribution.configuration,
      scheduleExpression: goldenAmi.schedule.expression,
      timeZone: config.scheduling.timeZone,
      startCondition: goldenAmi.schedule.startCondition,
      scanFailAbove: goldenAmi.scanFailAbove,
      logGroup: new logs.LogGroup(this, 'BuildLog', {
        logGroupName: `/aws/imagebuilder/${names.resource}`,
        encryptionKey: key,
        retention: this.profile.logRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      tags,
    });
    new ImageLifecycle(this, 'Lifecycle', {
      name: names.resource,
      recipe: { name: names.resource, version: RECIPE_VERSION },
      keep: goldenAmi.keepImages,
    });

    // The recovery account launches the images shared with it and copies them into its own account
    // (its distribution role decrypts the source snapshots): through EC2 in this region only, so the key's
    // other data (logs, secrets, parameters) stays out of its reach.
    const recovery = accounts.recovery;
    if (recovery !== undefined) {
      const viaEc2 = { 'kms:CallerAccount': recovery, 'kms:ViaService': `ec2.${site.region}.amazonaws.com` };
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `GoldenImageReadBy${recovery}`,
          principals: [new iam.AccountPrincipal(recovery)],
          actions: ['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:DescribeKey'],
          resources: ['*'],
          conditions: { StringEquals: viaEc2 },
        }),
      );
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `GoldenImageGrantBy${recovery}`,
          principals: [new iam.AccountPrincipal(recovery)],
          actions: ['kms:CreateGrant'],
          resources: ['*'],
          conditions: { StringEquals: viaEc2, Bool: { 'kms:GrantIsForAWSResource': true } },
        }),
      );
    }
    // Image Builder reports to the alarm topic, which the estate key encrypts. Its service-linked role
    // is named in a condition, not as the principal: KMS refuses a principal that does not exist yet, and
    // the role appears only with the account's first Image Builder resource.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ImageBuilderNotifications',
        principals: [
          new iam.AnyPrincipal().withConditions({
            ArnEquals: {
              'aws:PrincipalArn': `arn:${partition}:iam::${site.account}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`,
            },
            StringEquals: {
              'kms:CallerAccount': site.account,
              'kms:ViaService': `sns.${site.region}.amazonaws.com`,
            },
          }),
        ],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    new PublishedParameters(this, 'Parameters', {
      values: { [parameterName(config, site.region, 'ami', 'pipeline-arn')]: this.pipeline.pipeline.attrArn },
    });
    new CfnOutput(this, 'PipelineArn', {
      value: this.pipeline.pipeline.attrArn,
      description: 'Bake now: aws imagebuilder start-image-pipeline-execution --image-pipeline-arn <this>',
    });
  }
}
