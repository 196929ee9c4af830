import {
  type AssemblyStack,
  type DeployTimeRule,
  type Finding,
  isObject,
  type Json,
  list,
  localId,
  resourcesOf,
} from './assembly.ts';

const WORLD = new Set(['0.0.0.0/0', '::/0']);

/** Whether an ingress entry admits anyone on `port`. */
function admitsWorld(entry: Json, port: number): boolean {
  const from = Number(entry.FromPort);
  const to = Number(entry.ToPort);
  const open = WORLD.has(String(entry.CidrIp)) || WORLD.has(String(entry.CidrIpv6));
  return open && (entry.IpProtocol === '-1' || (from <= port && port <= to));
}

/** Whether any of the balancer's security groups (in this template) admits the world on `port`. */
function publicPort(stack: AssemblyStack, balancer: Json, port: number): boolean {
  const groups = new Set(list(balancer.SecurityGroups).map(localId));
  const inline = [...groups].flatMap((id) =>
    list(stack.json.Resources[id ?? '']?.Properties?.SecurityGroupIngress),
  );
  const separate = resourcesOf(stack, 'AWS::EC2::SecurityGroupIngress')
    .filter(([, r]) => groups.has(localId(r.Properties?.GroupId)))
    .map(([, r]) => r.Properties);
  return [...inline, ...separate].some((entry) => isObject(entry) && admitsWorld(entry, port));
}

/** Whether a listener's actions all redirect to HTTPS. */
function redirectsToHttps(actions: unknown): boolean {
  const all = list(actions).filter(isObject);
  return (
    all.length > 0 &&
    all.every(
      (a) => a.Type === 'redirect' && isObject(a.RedirectConfig) && a.RedirectConfig.Protocol === 'HTTPS',
    )
  );
}

/** The value of one Beanstalk option of an environment, if set as a literal. */
function option(environment: Json, namespace: string, name: string): unknown {
  return list(environment.OptionSettings)
    .filter(isObject)
    .find((o) => o.Namespace === namespace && o.OptionName === name)?.Value;
}

export const publicHttpRedirects: DeployTimeRule = {
  id: 'DT-HTTPS-ONLY',
  what: 'A plain-HTTP listener the world can reach only redirects to HTTPS (default action and rules); a public Beanstalk ALB has an HTTPS listener on 443',
  source:
    'SEC-1; Elastic Load Balancing User Guide, "HTTPS listeners" and "Redirect actions"; Elastic Beanstalk Developer Guide, "Configuring HTTPS termination at the load balancer"',
  check: (assembly) =>
    assembly.stacks.flatMap((stack) => {
      const finding = (logicalId: string, message: string): Finding => ({
        rule: publicHttpRedirects.id,
        stack: stack.name,
        logicalId,
        message,
      });
      const rules = resourcesOf(stack, 'AWS::ElasticLoadBalancingV2::ListenerRule');
      const listeners = resourcesOf(stack, 'AWS::ElasticLoadBalancingV2::Listener').flatMap(([id, r]) => {
        const props = r.Properties ?? {};
        if (props.Protocol !== 'HTTP') return [];
        const balancer = stack.json.Resources[localId(props.LoadBalancerArn) ?? '']?.Properties ?? {};
        if (balancer.Scheme === 'internal' || !publicPort(stack, balancer, Number(props.Port))) return [];
        const forwarding = rules.filter(
          ([, rule]) =>
            localId(rule.Properties?.ListenerArn) === id && !redirectsToHttps(rule.Properties?.Actions),
        );
        return redirectsToHttps(props.DefaultActions) && forwarding.length === 0
          ? []
          : [
              finding(
                id,
                `port ${String(props.Port)} is open to the world over plain HTTP: redirect it to HTTPS`,
              ),
            ];
      });
      const environments = resourcesOf(stack, 'AWS::ElasticBeanstalk::Environment').flatMap(([id, r]) => {
        const props = r.Properties ?? {};
        const application =
          option(props, 'aws:elasticbeanstalk:environment', 'LoadBalancerType') === 'application';
        const publicScheme = option(props, 'aws:ec2:vpc', 'ELBScheme') !== 'internal';
        const https = option(props, 'aws:elbv2:listener:443', 'Protocol') === 'HTTPS';
        return application && publicScheme && !https
          ? [
              finding(
                id,
                'a public load-balanced environment without an HTTPS listener (aws:elbv2:listener:443)',
              ),
            ]
          : [];
      });
      return [...listeners, ...environments];
    }),
};
