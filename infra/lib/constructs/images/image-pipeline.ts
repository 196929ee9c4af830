import { Validations } from 'aws-cdk-lib';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Props of {@link ImagePipeline}. */
export interface ImagePipelineProps {
  /** Name of the pipeline. */
  readonly name: string;
  /** The recipe it bakes. */
  readonly recipe: imagebuilder.CfnImageRecipe;
  /** Where it builds and tests. */
  readonly infrastructure: imagebuilder.CfnInfrastructureConfiguration;
  /** Where the image goes. */
  readonly distribution: imagebuilder.CfnDistributionConfiguration;
  /** Image Builder cron (config `goldenAmi.schedule.expression`). */
  readonly scheduleExpression: string;
  /** IANA time zone of the cron (config `scheduling.timeZone`). */
  readonly timeZone: string;
  /** Every match, or a match with a newer base image or component (config `goldenAmi.schedule.startCondition`). */
  readonly startCondition: string;
  /** Findings above this severity, with a fix available, fail the image (config `goldenAmi.scanFailAbove`). */
  readonly scanFailAbove: string;
  /** The log group of every image's build and test (its name must start with /aws/imagebuilder/). */
  readonly logGroup: logs.ILogGroup;
  /** Tags of the pipeline's images. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The pipeline that bakes the golden image on its schedule: build, test (our test component on an
 * instance of the new image), Inspector's scan of the output AMI, then distribution. A run by hand:
 * `aws imagebuilder start-image-pipeline-execution --image-pipeline-arn <arn>` (the stack's output).
 */
export class ImagePipeline extends Construct {
  /** The pipeline. */
  readonly pipeline: imagebuilder.CfnImagePipeline;

  constructor(scope: Construct, id: string, props: ImagePipelineProps) {
    super(scope, id);
    this.pipeline = new imagebuilder.CfnImagePipeline(this, 'Resource', {
      name: props.name,
      description: 'Golden AMI of the EC2 engines: weekly and when the base image or a component changes',
      imageRecipeArn: props.recipe.attrArn,
      infrastructureConfigurationArn: props.infrastructure.attrArn,
      distributionConfigurationArn: props.distribution.attrArn,
      status: 'ENABLED',
      enhancedImageMetadataEnabled: true,
      imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
      // The on-demand scan of the output AMI needs no account-wide Inspector activation; its findings
      // show on the image in the Image Builder console, and a fixable one above the threshold fails it.
      imageScanningConfiguration: {
        imageScanningEnabled: true,
        imageScanningTypes: ['ON_DEMAND_AMI_CVE'],
        scanResultCondition: { maximumSeverityLabel: props.scanFailAbove, fixAvailable: true },
      },
      schedule: {
        scheduleExpression: props.scheduleExpression,
        timezone: props.timeZone,
        pipelineExecutionStartCondition: props.startCondition,
        // Three failed scheduled runs in a row stop the schedule instead of failing every week unseen.
        autoDisablePolicy: { failureCount: 3 },
      },
      imageTags: props.tags,
      loggingConfiguration: { imageLogGroupName: props.logGroup.logGroupName },
    });
    Validations.of(this.pipeline).acknowledge({
      id: 'CloudFormation-Validate::F3002',
      reason:
        "ImageScanningTypes and ScanResultCondition are in CloudFormation's current ImagePipeline schema (aws-cdk-lib types them); the bundled validator's copy predates them",
    });
  }
}
