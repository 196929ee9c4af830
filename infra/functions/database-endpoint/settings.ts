import * as z from 'zod';

/** What the deploying construct tells the function, read once per cold start. */
export interface EndpointSettings {
  /** The function's own region, where the global database is described from. */
  readonly region: string;
  /** The global database whose members' endpoints are published. */
  readonly globalClusterIdentifier: string;
  /** The endpoint parameter of a region: the pattern with `{region}` replaced. */
  readonly parameterName: (region: string) => string;
}

const environmentSchema = z.object({
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region'),
  GLOBAL_CLUSTER_IDENTIFIER: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'must be a global cluster id'),
  ENDPOINT_PARAMETER_PATTERN: z
    .string()
    .regex(/^(\/[\w.-]+)*\/\{region\}(\/[\w.-]+)+$/, 'must be a parameter path with one {region}'),
});

/** Validates the environment, naming every missing or malformed variable at once. */
export function readEndpointSettings(environment: NodeJS.ProcessEnv): EndpointSettings {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new Error(`database-endpoint: invalid environment\n${z.prettifyError(parsed.error)}`);
  }
  const { AWS_REGION, GLOBAL_CLUSTER_IDENTIFIER, ENDPOINT_PARAMETER_PATTERN } = parsed.data;
  return {
    region: AWS_REGION,
    globalClusterIdentifier: GLOBAL_CLUSTER_IDENTIFIER,
    parameterName: (region) => ENDPOINT_PARAMETER_PATTERN.replace('{region}', region),
  };
}
