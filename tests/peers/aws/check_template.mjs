// Check the CloudFormation template `cosmicai deploy aws` wrote (BUNDLE/cloudformation/cosmicai.json):
// it parses, every Ref/GetAtt/Fn::Sub/Condition names something it defines (a parameter, a resource,
// a condition or a pseudo parameter), each resource has the properties its type requires, the
// functions are container images with the timeout, memory and /tmp the brief asks for, and the state
// machine's ${...} placeholders are exactly its DefinitionSubstitutions. No dependencies.
//   node check_template.mjs BUNDLE          exit 0 fine, 1 problems (listed)
import fs from 'node:fs';
import path from 'node:path';

const bundle = process.argv[2];
if (!bundle) { console.error('usage: check_template.mjs BUNDLE'); process.exit(2); }
const file = path.join(bundle, 'cloudformation', 'cosmicai.json');
const problems = [];
let t;
try {
  t = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  console.error(`${file}: ${e.message}`);
  process.exit(1);
}
const params = new Set(Object.keys(t.Parameters || {}));
const resources = new Set(Object.keys(t.Resources || {}));
const conditions = new Set(Object.keys(t.Conditions || {}));
const pseudo = new Set(['AWS::AccountId', 'AWS::Region', 'AWS::Partition', 'AWS::StackName', 'AWS::StackId', 'AWS::URLSuffix', 'AWS::NoValue']);
// Required properties (CloudFormation resource specification, via @aws-cdk/aws-service-spec).
const required = {
  'AWS::Lambda::Function': ['Code', 'Role'],
  'AWS::IAM::Role': ['AssumeRolePolicyDocument'],
  'AWS::IAM::RolePolicy': ['PolicyDocument', 'PolicyName', 'RoleName'],
  'AWS::StepFunctions::StateMachine': ['RoleArn'],
  'AWS::S3::Bucket': [],
};
if (t.AWSTemplateFormatVersion !== '2010-09-09') problems.push('AWSTemplateFormatVersion is not 2010-09-09');

function walk(node, where, subVars) {
  if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}/${i}`, subVars));
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    const at = `${where}/${k}`;
    if (k === 'Ref') {
      if (!params.has(v) && !resources.has(v) && !pseudo.has(v)) problems.push(`${at}: Ref to undefined '${v}'`);
    } else if (k === 'Fn::GetAtt') {
      if (!Array.isArray(v) || !resources.has(v[0])) problems.push(`${at}: GetAtt of undefined resource ${JSON.stringify(v)}`);
    } else if (k === 'Fn::Sub') {
      const text = Array.isArray(v) ? v[0] : v;
      const local = Array.isArray(v) ? new Set(Object.keys(v[1] || {})) : new Set();
      for (const m of text.matchAll(/\$\{([^}!]+)\}/g)) {
        const name = m[1].split('.')[0];
        if (!params.has(name) && !resources.has(name) && !pseudo.has(m[1]) && !local.has(name)) {
          problems.push(`${at}: Fn::Sub names undefined '${m[1]}'`);
        }
      }
    } else if (k === 'Fn::If') {
      if (!conditions.has(v[0])) problems.push(`${at}: Fn::If on undefined condition '${v[0]}'`);
    } else if (k === 'Condition' && typeof v === 'string') {
      if (!conditions.has(v)) problems.push(`${at}: undefined condition '${v}'`);
    }
    walk(v, at, subVars);
  }
}
walk(t.Resources, '/Resources');
walk(t.Outputs, '/Outputs');
walk(t.Conditions, '/Conditions');

for (const [name, p] of Object.entries(t.Parameters || {})) {
  if (p.Default !== undefined && p.Type === 'Number') {
    const d = Number(p.Default);
    if (Number.isNaN(d) || (p.MinValue !== undefined && d < p.MinValue) || (p.MaxValue !== undefined && d > p.MaxValue)) {
      problems.push(`/Parameters/${name}: default ${p.Default} outside [${p.MinValue}, ${p.MaxValue}]`);
    }
  }
  if (p.AllowedValues && p.Default !== undefined && !p.AllowedValues.includes(p.Default)) {
    problems.push(`/Parameters/${name}: default ${p.Default} not allowed`);
  }
}

const handlers = new Set();
for (const [name, r] of Object.entries(t.Resources || {})) {
  const at = `/Resources/${name}`;
  if (!(r.Type in required)) { problems.push(`${at}: unexpected type ${r.Type}`); continue; }
  for (const prop of required[r.Type]) if (!(r.Properties && prop in r.Properties)) problems.push(`${at}: ${r.Type} requires ${prop}`);
  if (r.Type === 'AWS::Lambda::Function') {
    const p = r.Properties;
    if (p.PackageType !== 'Image') problems.push(`${at}: PackageType must be Image`);
    if (!p.Code || !p.Code.ImageUri) problems.push(`${at}: Code.ImageUri missing`);
    const timeout = p.Timeout && p.Timeout.Ref ? Number(t.Parameters[p.Timeout.Ref].Default) : Number(p.Timeout);
    if (timeout !== 900) problems.push(`${at}: timeout ${timeout}, expected 900 by default`);
    if (!p.MemorySize) problems.push(`${at}: MemorySize missing`);
    if (!p.EphemeralStorage || !p.EphemeralStorage.Size) problems.push(`${at}: EphemeralStorage.Size missing`);
    const cmd = p.ImageConfig && p.ImageConfig.Command;
    if (!Array.isArray(cmd) || cmd.length !== 1) problems.push(`${at}: ImageConfig.Command must name one handler`);
    else handlers.add(cmd[0]);
  }
  if (r.Type === 'AWS::StepFunctions::StateMachine') {
    const p = r.Properties;
    const subs = new Set(Object.keys(p.DefinitionSubstitutions || {}));
    const defs = p.DefinitionString && p.DefinitionString['Fn::If'] ? p.DefinitionString['Fn::If'].slice(1) : [p.DefinitionString];
    for (const d of defs) {
      if (typeof d !== 'string') { problems.push(`${at}: DefinitionString must be a string`); continue; }
      let def;
      try { def = JSON.parse(d); } catch (e) { problems.push(`${at}: DefinitionString is not JSON: ${e.message}`); continue; }
      const used = new Set([...d.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]));
      for (const u of used) if (!subs.has(u)) problems.push(`${at}: definition uses \${${u}} with no substitution`);
      for (const s of subs) if (!used.has(s)) problems.push(`${at}: substitution ${s} unused by a definition`);
      if (!def.StartAt || !def.States) problems.push(`${at}: definition lacks StartAt/States`);
    }
  }
}
for (const h of ['initialize', 'infer', 'summarize']) if (!handlers.has(h)) problems.push(`no function runs the ${h} handler`);

for (const p of problems) console.log(`FAIL ${file}: ${p}`);
console.log(problems.length ? `${problems.length} problems` : `${file}: ${resources.size} resources, ${params.size} parameters, every reference defined`);
process.exit(problems.length ? 1 : 0);
