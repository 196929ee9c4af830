import { readFileSync } from 'node:fs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { parse } from 'yaml';

/** The Automation runbook `deploy/runbooks/<name>.yaml`, parsed: the file the tests run is the one deployed. */
export function runbookContent(name: string): Record<string, unknown> {
  const file = new URL(`../../../../deploy/runbooks/${name}.yaml`, import.meta.url);
  return parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** Props of {@link RunbookDocument}. */
export interface RunbookDocumentProps {
  /** The runbook's file name in deploy/runbooks, without `.yaml`. */
  readonly runbook: string;
}

/**
 * One of our Automation runbooks as an SSM document of the account and region. Unnamed: CloudFormation
 * names it, so a changed runbook is a new document and nothing points at a half-updated one.
 */
export class RunbookDocument extends Construct {
  /** The document. */
  readonly document: ssm.CfnDocument;
  /** Its name, which is what Config remediation and StartAutomationExecution take. */
  readonly documentName: string;

  constructor(scope: Construct, id: string, props: RunbookDocumentProps) {
    super(scope, id);
    this.document = new ssm.CfnDocument(this, 'Resource', {
      documentType: 'Automation',
      documentFormat: 'YAML',
      content: runbookContent(props.runbook),
    });
    this.documentName = this.document.ref;
  }
}
