// The one door to the AWS SDK. Bundles import it lazily; going through a module of our own (rather than
// `import('@aws-sdk/client-ssm')` directly) avoids an esbuild code-splitting bug that leaves the
// dynamically imported class undefined.
export { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
