// Builds CloudTrail records shaped like real ones (field names, nesting, typical sizes) and writes
// them as delivered log files in the S3 key layout. Deterministic: all randomness comes from the
// seeded generator passed in.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** mulberry32: a small seeded PRNG, so generated trees are identical on every run. */
export function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
    token: (length, alphabet = chars) =>
      Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''),
    uuid: () => {
      const hex = '0123456789abcdef';
      const h = (n) => Array.from({ length: n }, () => hex[Math.floor(next() * 16)]).join('');
      return `${h(8)}-${h(4)}-4${h(3)}-${hex[8 + Math.floor(next() * 4)]}${h(3)}-${h(12)}`;
    },
  };
}

/** `userIdentity` of an IAM user calling with its own keys. */
export function userIdentity(random, account, userName, accessKeyId = `AKIA${random.token(16)}`) {
  return {
    type: 'IAMUser',
    principalId: `AIDA${userName.toUpperCase().padEnd(17, 'X').slice(0, 17)}`,
    arn: `arn:aws:iam::${account}:user/${userName}`,
    accountId: account,
    accessKeyId,
    userName,
  };
}

/** `userIdentity` of a role session (what AssumeRole's credentials sign). */
export function roleSessionIdentity(
  account,
  roleName,
  sessionName,
  accessKeyId,
  { path = '/', creationDate, sourceIdentity } = {},
) {
  const roleId = `AROA${roleName
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .padEnd(17, 'X')
    .slice(0, 17)}`;
  return {
    type: 'AssumedRole',
    principalId: `${roleId}:${sessionName}`,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    accountId: account,
    accessKeyId,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: roleId,
        arn: `arn:aws:iam::${account}:role${path}${roleName}`,
        accountId: account,
        userName: roleName,
      },
      webIdFederationData: {},
      attributes: { creationDate, mfaAuthenticated: 'false' },
      ...(sourceIdentity === undefined ? {} : { sourceIdentity }),
    },
  };
}

/** `userIdentity` of an AWS service acting on its own (no ARN). */
export function serviceIdentity(service) {
  return { type: 'AWSService', invokedBy: service };
}

/**
 * `userIdentity` of the role's account's copy of an AssumeRole call from another account:
 * CloudTrail names only the caller's account (and its principal id), no ARN, no key.
 */
export function crossAccountIdentity(caller) {
  return { type: 'AWSAccount', principalId: caller.principalId, accountId: caller.accountId };
}

/** The `sharedEventID` both copies of a call across accounts carry: a UUID derived from `seed`. */
export function sharedEventId(seed) {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const USER_AGENTS = [
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off command/s3.ls',
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69',
  'aws-sdk-js/3.540.0 ua/2.0 os/linux#6.5.0 lang/js md/nodejs#20.11.1 api/s3#3.540.0',
  'console.amazonaws.com',
  'Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64',
];

/** One CloudTrail record. `time` is a Date. */
export function makeRecord(
  random,
  {
    time,
    account,
    region,
    source,
    name,
    identity,
    errorCode,
    requestParameters = null,
    responseElements = null,
    category = 'Management',
    resources,
    readOnly,
    sharedEventID,
  },
) {
  const record = {
    eventVersion: '1.09',
    userIdentity: identity,
    eventTime: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: source,
    eventName: name,
    awsRegion: region,
    sourceIPAddress: identity.type === 'AWSService' ? identity.invokedBy : `203.0.113.${1 + random.int(250)}`,
    userAgent: identity.type === 'AWSService' ? identity.invokedBy : random.pick(USER_AGENTS),
  };
  if (errorCode !== undefined) {
    record.errorCode = errorCode;
    record.errorMessage = `User: ${identity.arn ?? 'unknown'} is not authorized to perform: ${source.split('.')[0]}:${name} because no identity-based policy allows the ${source.split('.')[0]}:${name} action`;
  }
  record.requestParameters = requestParameters;
  record.responseElements = errorCode === undefined ? responseElements : null;
  record.requestID = random.token(16, '0123456789ABCDEF');
  record.eventID = random.uuid();
  record.readOnly = readOnly ?? /^(Get|List|Describe|Head|Lookup)/.test(name);
  if (resources !== undefined) record.resources = resources;
  if (sharedEventID !== undefined) record.sharedEventID = sharedEventID;
  record.eventType =
    identity.type === 'AWSService' && category === 'Management' && requestParameters === null
      ? 'AwsServiceEvent'
      : 'AwsApiCall';
  record.managementEvent = category === 'Management';
  record.recipientAccountId = account;
  record.eventCategory = category;
  record.tlsDetails = {
    tlsVersion: 'TLSv1.3',
    cipherSuite: 'TLS_AES_128_GCM_SHA256',
    clientProvidedHostHeader: `${source.split('.')[0]}.${region}.amazonaws.com`,
  };
  return record;
}

/** Key of the folder a record is delivered to: `<account>/<region>/<yyyy>/<MM>/<dd>/<HH>`. */
export function deliveryKey(record, bucketMinutes = 60) {
  const time = new Date(Date.parse(record.eventTime));
  const minutes = Math.floor(time.getUTCMinutes() / bucketMinutes) * bucketMinutes;
  return [
    record.recipientAccountId,
    record.awsRegion,
    time.toISOString().slice(0, 10),
    String(time.getUTCHours()).padStart(2, '0') + String(minutes).padStart(2, '0'),
  ].join('/');
}

/**
 * Writes records as CloudTrail would deliver them under `root`:
 * `AWSLogs/<orgId>/<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/<account>_CloudTrail_<region>_<yyyymmdd>T<HHmm>Z_<16 chars>.json.gz`.
 * Returns the paths written, sorted.
 */
export function writeLogFiles(random, root, orgId, records, { bucketMinutes = 60 } = {}) {
  const groups = new Map();
  for (const record of records) {
    const key = deliveryKey(record, bucketMinutes);
    const list = groups.get(key);
    if (list) list.push(record);
    else groups.set(key, [record]);
  }
  const written = [];
  for (const key of [...groups.keys()].sort()) {
    const [account, region, day, hhmm] = key.split('/');
    const [yyyy, mm, dd] = day.split('-');
    const dir = join(root, 'AWSLogs', orgId, account, 'CloudTrail', region, yyyy, mm, dd);
    mkdirSync(dir, { recursive: true });
    const name = `${account}_CloudTrail_${region}_${yyyy}${mm}${dd}T${hhmm}Z_${random.token(16, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}.json.gz`;
    const records = groups
      .get(key)
      .sort((a, b) => (a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : 0));
    const path = join(dir, name);
    writeFileSync(path, gzipSync(JSON.stringify({ Records: records }), { level: 9 }));
    written.push(path);
  }
  return written.sort();
}
