// What the Docker environment runs (ECS-4), shared by the environment (its ports and log group) and the
// release build that writes the bundle (scripts/release/artifacts.ts): one definition, so the two cannot
// disagree on the container's name or port.
import type { EstateConfig } from '../../../../config/index.ts';
import { SERVICE_PORT } from '../service-load-balancer.ts';

/** The names the Docker environment, the release build and the pipeline agree on (ECS-4). */
export function beanstalkDockerNames(config: Pick<EstateConfig, 'appName' | 'dns'>, region: string) {
  return {
    application: `${config.appName}-beanstalk-docker`,
    environment: `${config.appName}-docker`,
    /** Where the container's output goes (the Dockerrun's awslogs group). */
    logGroup: `/${config.appName.toLowerCase()}/beanstalk-docker`,
    /** The environment's own HTTPS name: it serves beside the engines, not in `app`'s weighted set. */
    domainName: `beanstalk-docker.${region}.${config.dns.domainName}`,
    /** The alarm the pipeline's Docker stage bakes under and rolls back on. */
    healthAlarm: `${config.appName}-beanstalk-docker-health`,
  };
}

/** The platform branch of Beanstalk's ECS-based Docker platform (Dockerrun.aws.json v2). */
export const DOCKER_PLATFORM_BRANCH = 'ECS running on 64bit Amazon Linux 2023';

/** The file Beanstalk's ECS platform reads at the root of a source bundle. */
export const DOCKERRUN_FILE = 'Dockerrun.aws.json';

/** The container: its name, the port the service listens on, and the instance port Beanstalk's balancer calls. */
export const DOCKER_CONTAINER = { name: 'service', containerPort: SERVICE_PORT, hostPort: 80 } as const;

/** What {@link dockerrun} describes. */
export interface DockerrunOptions {
  /** The image at the released tag, from the environment region's replica of `hello/service`. */
  readonly image: string;
  /** The log group the container's output goes to (the environment's). */
  readonly logGroup: string;
  /** The environment's region, where that log group lives. */
  readonly region: string;
}

/**
 * A Dockerrun.aws.json v2 of the one service container: essential, its port on the instance's port 80
 * (the environment's default process), its output to CloudWatch Logs through the awslogs driver. The
 * image carries the release's version (a build argument), so nothing else changes between releases.
 */
export function dockerrun(options: DockerrunOptions) {
  return {
    AWSEBDockerrunVersion: 2,
    containerDefinitions: [
      {
        name: DOCKER_CONTAINER.name,
        image: options.image,
        essential: true,
        // A reservation, not a limit: the container may use the instance's free memory.
        memoryReservation: 256,
        portMappings: [
          { hostPort: DOCKER_CONTAINER.hostPort, containerPort: DOCKER_CONTAINER.containerPort },
        ],
        environment: [{ name: 'ENGINE', value: 'beanstalk-docker' }],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': options.logGroup,
            'awslogs-region': options.region,
            'awslogs-stream-prefix': DOCKER_CONTAINER.name,
          },
        },
      },
    ],
  };
}
