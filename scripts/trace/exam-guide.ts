/**
 * The AWS Certified DevOps Engineer – Professional exam (DOP-C02): its six domains and nineteen task
 * statements, numbered and worded as its exam guide publishes them (the guide in force since the exam
 * replaced DOP-C01 in March 2023). `outside` is what a task statement asks that this estate does not show,
 * so a learner knows where to look elsewhere.
 */

/** One task statement of the guide. */
export interface TaskStatement {
  /** `<domain>.<task>`, as catalogue tags write it. */
  readonly id: string;
  readonly title: string;
  /** The skills of the statement the estate does not show, in one line. */
  readonly outside: string;
}

/** One content domain of the guide. */
export interface ExamDomain {
  readonly number: number;
  readonly title: string;
  /** Share of the scored content, in percent. */
  readonly weight: number;
  readonly tasks: readonly TaskStatement[];
}

export const EXAM = {
  code: 'DOP-C02',
  name: 'AWS Certified DevOps Engineer – Professional',
  guide: 'https://aws.amazon.com/certification/certified-devops-engineer-professional/',
} as const;

export const EXAM_DOMAINS: readonly ExamDomain[] = [
  {
    number: 1,
    title: 'SDLC Automation',
    weight: 22,
    tasks: [
      {
        id: '1.1',
        title: 'Implement CI/CD pipelines',
        outside: 'pull-request builds and CodeArtifact package repositories',
      },
      {
        id: '1.2',
        title: 'Integrate automated testing into CI/CD pipelines',
        outside: 'load tests at scale as a pipeline stage (the benchmarks in bench/ run on one machine)',
      },
      {
        id: '1.3',
        title: 'Build and manage artifacts',
        outside: 'CodeArtifact package repositories',
      },
      {
        id: '1.4',
        title: 'Implement deployment strategies for instance, container, and serverless environments',
        outside: 'Amazon EKS deployments, shared storage (EFS) and AppConfig feature flags',
      },
    ],
  },
  {
    number: 2,
    title: 'Configuration Management and IaC',
    weight: 17,
    tasks: [
      {
        id: '2.1',
        title:
          'Define cloud infrastructure and reusable components to provision and manage systems throughout their lifecycle',
        outside: 'CloudFormation StackSets and modules, AWS SAM, Service Catalog, AppConfig and OpsWorks',
      },
      {
        id: '2.2',
        title:
          'Deploy automation to create, onboard, and secure AWS accounts in a multi-account or multi-Region environment',
        outside:
          'creating accounts (Organizations, Control Tower), SCPs, Security Hub, GuardDuty and Detective: the two accounts are given',
      },
      {
        id: '2.3',
        title: 'Design and build automated solutions for complex tasks and large-scale environments',
        outside: 'Step Functions workflows and Systems Manager State Manager associations',
      },
    ],
  },
  {
    number: 3,
    title: 'Resilient Cloud Solutions',
    weight: 15,
    tasks: [
      {
        id: '3.1',
        title: 'Implement highly available solutions to meet resilience and business requirements',
        outside: 'DynamoDB global tables; SLAs are not computed',
      },
      {
        id: '3.2',
        title: 'Implement solutions that are scalable to meet business requirements',
        outside: 'Amazon EKS, caching (ElastiCache) and queues between services',
      },
      {
        id: '3.3',
        title: 'Implement automated recovery processes to meet RTO and RPO requirements',
        outside: 'pilot light and warm standby: the recovery account is backup and restore by redeployment',
      },
    ],
  },
  {
    number: 4,
    title: 'Monitoring and Logging',
    weight: 15,
    tasks: [
      {
        id: '4.1',
        title: 'Configure the collection, aggregation, and storage of logs and metrics',
        outside:
          'metric streams, CloudWatch agent custom metrics, log subscriptions to Kinesis or OpenSearch',
      },
      {
        id: '4.2',
        title: 'Audit, monitor, and analyze logs and metrics to detect issues',
        outside: 'dashboards, anomaly detection alarms, X-Ray, Athena and Logs Insights queries',
      },
      {
        id: '4.3',
        title: 'Automate monitoring and event management of complex environments',
        outside:
          'DynamoDB and RDS storage auto scaling, ECS capacity providers, S3 events processing log files',
      },
    ],
  },
  {
    number: 5,
    title: 'Incident and Event Response',
    weight: 14,
    tasks: [
      {
        id: '5.1',
        title: 'Manage event sources to process, notify, and take action in response to events',
        outside: 'AWS Health events, Kinesis streams and Step Functions',
      },
      {
        id: '5.2',
        title: 'Implement configuration changes in response to events',
        outside: 'fleet-wide changes by Systems Manager Run Command or State Manager',
      },
      {
        id: '5.3',
        title: 'Troubleshoot system and application failures',
        outside: 'Systems Manager OpsCenter, X-Ray traces and EKS incidents',
      },
    ],
  },
  {
    number: 6,
    title: 'Security and Compliance',
    weight: 17,
    tasks: [
      {
        id: '6.1',
        title: 'Implement techniques for identity and access management at scale',
        outside:
          'IAM Identity Center, identity federation, permissions boundaries, SCPs and attribute-based access',
      },
      {
        id: '6.2',
        title: 'Apply automation for security controls and data protection',
        outside: 'AWS WAF, Shield, Network Firewall, network ACLs, Macie and CloudHSM',
      },
      {
        id: '6.3',
        title: 'Implement security monitoring and auditing solutions',
        outside: 'GuardDuty, IAM Access Analyzer and alerts on CloudFormation drift',
      },
    ],
  },
];

/** Every task statement of the guide, by id. */
export const TASK_STATEMENTS: ReadonlyMap<string, TaskStatement> = new Map(
  EXAM_DOMAINS.flatMap((domain) => domain.tasks.map((task) => [task.id, task] as const)),
);
