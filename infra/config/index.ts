export { DEFAULT_CONFIG } from './defaults.ts';
export { CONFIG_FILE, ConfigError, type LoadConfigOptions, loadConfig, parseConfig } from './load.ts';
export {
  type InterfaceEndpointSettings,
  PROFILE_NAMES,
  PROFILES,
  type ProfileName,
  type ProfileSettings,
  type RecoveryVaultLock,
} from './profiles.ts';
export { recoveredConfig } from './recovery.ts';
export { AWS_REGIONS, type AwsRegion } from './regions.ts';
export {
  BEANSTALK_DEPLOYMENT_POLICIES,
  type BeanstalkDeploymentPolicy,
  backupCopyRegion,
  backupRetention,
  ECS_DEPLOYMENT_STRATEGIES,
  type EcsDeploymentStrategy,
  ENGINE_KINDS,
  type EngineKind,
  type EstateConfig,
  estateConfigSchema,
  goldenImageRegions,
  IMAGE_START_CONDITIONS,
  LAMBDA_DEPLOYMENT_CONFIGS,
  type LambdaDeploymentConfigName,
  PIPELINE_EXECUTION_MODES,
  PLACEHOLDER_DOMAIN,
  primaryRegions,
  recoveryVaultLock,
  releaseRegions,
  SERVER_DEPLOYMENT_CONFIGS,
  type ServerDeploymentConfigName,
} from './schema.ts';
export {
  type AccountRole,
  backupLandingSite,
  backupVaultArn,
  backupVaultName,
  databaseNames,
  databaseRegions,
  estateKeyAlias,
  estateSites,
  hasRecoverySite,
  parameterName,
  recoveryAccount,
  type Site,
  stackName,
} from './topology.ts';
