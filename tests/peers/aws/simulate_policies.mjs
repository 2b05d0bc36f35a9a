// Evaluate the IAM policies `cosmicai deploy aws --account 123456789012 --region us-east-1` wrote
// (BUNDLE/iam/*.rendered.json, default names) in an offline IAM policy simulator, for the actions
// each role must be allowed and for neighbours it must be denied. The expectations below are written
// from what each function does (ARCHITECTURE.md, src/cosmic/*.hpp), not from the policies.
//   node simulate_policies.mjs BUNDLE       exit 0 all as expected, 1 a mismatch, 77 simulator not installed
import fs from 'node:fs';
import path from 'node:path';

let runSimulation;
try {
  ({ runSimulation } = await import('@cloud-copilot/iam-simulate'));
} catch (e) {
  console.log(`SKIP: @cloud-copilot/iam-simulate is not installed (run: npm ci --prefix tests/peers/aws): ${e.message}`);
  process.exit(77);
}

const bundle = process.argv[2];
if (!bundle) { console.error('usage: simulate_policies.mjs BUNDLE'); process.exit(2); }
const A = '123456789012', R = 'us-east-1';
const fn = (n) => `arn:aws:lambda:${R}:${A}:function:${n}`;
const sm = (n) => `arn:aws:states:${R}:${A}:stateMachine:${n}`;
const exec = (n) => `arn:aws:states:${R}:${A}:execution:${n}`;
const obj = (k) => `arn:aws:s3:::cosmicai-data/${k}`;
const bucket = 'arn:aws:s3:::cosmicai-data';
const logGroup = (f) => `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/${f}`;
const logStream = (f) => `${logGroup(f)}:log-stream:2026/11/22/[$LATEST]0123456789abcdef`;
const ALLOW = 'Allowed', DENY = 'ImplicitlyDenied';

const probes = {
  'states-policy': [
    ['lambda:InvokeFunction', fn('cosmicai-initialize:$LATEST'), ALLOW],
    ['lambda:InvokeFunction', fn('cosmicai-infer:$LATEST'), ALLOW],
    ['lambda:InvokeFunction', fn('cosmicai-summarize:$LATEST'), ALLOW],
    ['lambda:InvokeFunction', fn('cosmicai-infer'), ALLOW],
    ['lambda:InvokeFunction', fn('other-fn'), DENY],
    ['lambda:InvokeFunction', fn('other-fn:$LATEST'), DENY],
    ['lambda:UpdateFunctionCode', fn('cosmicai-infer'), DENY],
    ['states:StartExecution', sm('cosmicai-workflow'), ALLOW],
    ['states:StartExecution', sm('other-machine'), DENY],
    ['states:DescribeExecution', exec('cosmicai-workflow/Distributed-Test:0f1e2d3c'), ALLOW],
    ['states:StopExecution', exec('cosmicai-workflow/Distributed-Test:0f1e2d3c'), ALLOW],
    ['states:RedriveExecution', exec('cosmicai-workflow/Distributed-Test:0f1e2d3c'), ALLOW],
    ['states:DescribeExecution', exec('other-machine:abc'), DENY],
    ['states:DeleteStateMachine', sm('cosmicai-workflow'), DENY],
    ['s3:GetObject', obj('results/run-1/items.json'), DENY],
  ],
  'states-itemreader-policy': [
    ['s3:GetObject', obj('results/run-1/items.json'), ALLOW],
    ['s3:PutObject', obj('results/run-1/0b1c/manifest.json'), ALLOW],
    ['s3:AbortMultipartUpload', obj('results/run-1/0b1c/SUCCEEDED_0.json'), ALLOW],
    ['s3:PutObject', obj('data/100MB/1.pt'), DENY],
    ['s3:GetObject', obj('data/100MB/1.pt'), DENY],
    ['s3:DeleteObject', obj('results/run-1/items.json'), DENY],
  ],
  'initialize-policy': [
    ['s3:ListBucket', bucket, ALLOW, { 's3:prefix': 'data/100MB/' }],
    ['s3:ListBucket', bucket, DENY, { 's3:prefix': 'results/' }],
    ['s3:ListBucket', bucket, DENY, { 's3:prefix': '' }],
    ['s3:PutObject', obj('results/run-1/items.json'), ALLOW],
    ['s3:GetObject', obj('data/100MB/1.pt'), DENY],
    ['s3:PutObject', obj('data/100MB/1.pt'), DENY],
    ['logs:CreateLogGroup', logGroup('cosmicai-initialize'), ALLOW],
    ['logs:PutLogEvents', logStream('cosmicai-initialize'), ALLOW],
    ['logs:PutLogEvents', logStream('cosmicai-infer'), DENY],
  ],
  'infer-policy': [
    ['s3:GetObject', obj('data/100MB/1.pt'), ALLOW],
    ['s3:PutObject', obj('results/run-1/0.json'), ALLOW],
    ['s3:PutObject', obj('results/run-1/predictions/0.csv'), ALLOW],
    ['s3:DeleteObject', obj('results/run-1/errors/0.json'), ALLOW],
    ['s3:PutObject', obj('data/100MB/1.pt'), DENY],
    ['s3:DeleteObject', obj('data/100MB/1.pt'), DENY],
    ['s3:GetObject', obj('secrets/key.pem'), DENY],
    ['s3:ListBucket', bucket, DENY, { 's3:prefix': 'data/' }],
    ['logs:CreateLogStream', logStream('cosmicai-infer'), ALLOW],
    ['logs:PutLogEvents', logStream('cosmicai-infer'), ALLOW],
    ['logs:PutLogEvents', logStream('cosmicai-summarize'), DENY],
    ['lambda:InvokeFunction', fn('cosmicai-infer'), DENY],
  ],
  'summarize-policy': [
    ['s3:ListBucket', bucket, ALLOW, { 's3:prefix': 'results/run-1/' }],
    ['s3:ListBucket', bucket, DENY, { 's3:prefix': 'data/' }],
    ['s3:GetObject', obj('results/run-1/0.json'), ALLOW],
    ['s3:PutObject', obj('results/run-1/summary.json'), ALLOW],
    ['s3:GetObject', obj('data/100MB/1.pt'), DENY],
    ['s3:DeleteObject', obj('results/run-1/0.json'), DENY],
    ['logs:PutLogEvents', logStream('cosmicai-summarize'), ALLOW],
  ],
};

let failures = 0, count = 0;
for (const [name, list] of Object.entries(probes)) {
  const file = path.join(bundle, 'iam', `${name}.rendered.json`);
  const policy = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const [action, resource, want, context] of list) {
    const r = await runSimulation({
      identityPolicies: [{ name, policy }], serviceControlPolicies: [], resourceControlPolicies: [],
      request: {
        principal: `arn:aws:iam::${A}:role/${name}`, action,
        resource: { resource, accountId: A }, contextVariables: context || {},
      },
    }, {});
    const got = r.errors ? `error: ${JSON.stringify(r.errors)}` : r.result.analysis.result;
    count++;
    const ok = got === want;
    if (!ok) failures++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${action} ${resource}${context ? ' ' + JSON.stringify(context) : ''} → ${got}${ok ? '' : ` (expected ${want})`}`);
  }
}
console.log(`${count - failures}/${count} probes as expected`);
process.exit(failures ? 1 : 0);
