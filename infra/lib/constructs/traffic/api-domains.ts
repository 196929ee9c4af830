import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct } from 'constructs';
import type { EngineDomain } from './engine-domain.ts';

/** Props of {@link ApiDomains}. */
export interface ApiDomainsProps {
  /** The engine's names and certificate in the region. */
  readonly domain: EngineDomain;
  /** `app.<domain>`: the name users ask for, answered by every region's endpoint. */
  readonly appName: string;
  /** The API. */
  readonly api: apigwv2.IHttpApi;
  /** Its stage. */
  readonly stage: apigwv2.IStage;
}

/**
 * The HTTP API under the engine's own name and under `app.<domain>` (regional custom domains, TLS 1.2
 * minimum). API Gateway picks the custom domain by the name the client asks for, so `app.<domain>`
 * must exist here too even though the weighted record resolves through the engine's own name. The
 * engine's name is the alias record; the API's `execute-api` address stays (the hooks call it).
 */
export class ApiDomains extends Construct {
  /** `<engine>.<region>.<domain>`. */
  readonly own: apigwv2.DomainName;
  /** `app.<domain>`. */
  readonly app: apigwv2.DomainName;

  constructor(scope: Construct, id: string, props: ApiDomainsProps) {
    super(scope, id);
    const domain = (domainId: string, domainName: string) => {
      const name = new apigwv2.DomainName(this, domainId, {
        domainName,
        certificate: props.domain.certificate,
        securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
        endpointType: apigwv2.EndpointType.REGIONAL,
      });
      new apigwv2.ApiMapping(this, `${domainId}Mapping`, {
        api: props.api,
        domainName: name,
        stage: props.stage,
      });
      return name;
    };
    this.own = domain('Own', props.domain.name);
    this.app = domain('App', props.appName);
    // aws-route53-targets' ApiGatewayv2DomainProperties cannot evaluate the target's health.
    const { regionalDomainName, regionalHostedZoneId } = this.own;
    props.domain.route({
      bind: () => ({
        dnsName: regionalDomainName,
        hostedZoneId: regionalHostedZoneId,
        evaluateTargetHealth: true,
      }),
    });
  }
}
