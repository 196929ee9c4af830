/**
 * Commercial AWS regions a config may name. A closed list turns a typo (`us-est-1`) into a config error
 * instead of a stack that fails at deploy time in a region that does not exist.
 */
export const AWS_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'ca-west-1',
  'mx-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-1',
  'ap-south-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
] as const;

export type AwsRegion = (typeof AWS_REGIONS)[number];

/**
 * Regions where AWS Config cannot record the global IAM types (customer managed policies among them):
 * Config records those only in regions it served before February 2022 (Config Developer Guide, "Managed
 * Rules and Global IAM Resource Types"). These opened later.
 */
export const REGIONS_WITHOUT_GLOBAL_IAM_RECORDING: readonly AwsRegion[] = [
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'mx-central-1',
];
