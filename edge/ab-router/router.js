import cf from 'cloudfront';

// A/B routing at the edge (viewer request, cloudfront-js-2.0). ROUTES is generated at synthesis from
// routes.json: the parameter's values and the browsers' User-Agent tokens, each to a variant and the
// origin name serving it. The variant goes into the x-hello-variant header, which the cache key holds,
// so cached answers never cross variants.
const ROUTES = __ROUTES__;

function typeParameter(querystring) {
  for (const name in querystring) {
    if (name.toLowerCase() === ROUTES.parameter) {
      // A repeated parameter: CloudFront gives the first value in `value`, all of them in `multiValue`.
      return String(querystring[name].value).trim();
    }
  }
  return '';
}

function byBrowser(headers) {
  const agent = headers['user-agent'] ? String(headers['user-agent'].value) : '';
  for (let i = 0; i < ROUTES.browsers.length; i++) {
    const rule = ROUTES.browsers[i];
    for (let j = 0; j < rule.tokens.length; j++) {
      if (agent.indexOf(rule.tokens[j]) !== -1) return rule.variant;
    }
  }
  return ROUTES.fallback;
}

// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls the function named handler.
function handler(event) {
  const request = event.request;
  const type = typeParameter(request.querystring);
  const variant = Object.hasOwn(ROUTES.types, type) ? ROUTES.types[type] : byBrowser(request.headers);
  request.headers['x-hello-variant'] = { value: variant };
  cf.updateRequestOrigin({ domainName: ROUTES.origins[variant] });
  return request;
}
