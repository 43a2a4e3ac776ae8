import { describe, expect, it } from 'vitest';
import { formatIssue } from '../validate.ts';
import { importCloudTrailFile } from './cloudtrail.ts';
import { fixture, scratchFile } from './importer-test-support.ts';

describe('importCloudTrailFile', () => {
  it('reads a CloudTrail log file (Records array) with identity and request fields', async () => {
    const res = await importCloudTrailFile(fixture('cloudtrail.json'));
    expect(res.errors).toEqual([]);
    expect(res.records.map((r) => [r.id, r.fields?.eventName, r.fields?.eventSource])).toEqual([
      ['cloudtrail-json-000000', 'CreateAccessKey', 'iam.amazonaws.com'],
      ['cloudtrail-json-000001', 'StopLogging', 'cloudtrail.amazonaws.com'],
    ]);
    expect(res.records[0]!.fields).toMatchObject({ 'userIdentity.type': 'IAMUser', 'userIdentity.userName': 'ci', sourceIPAddress: '203.0.113.5', requestParameters: '{"userName":"admin"}' });
    expect(JSON.parse(res.records[1]!.log)).toMatchObject({ eventName: 'StopLogging' });
  });
  it('names the event index and field of a bad event', async () => {
    const f = await scratchFile('ct.json', JSON.stringify({ Records: [{ eventName: 'X', eventSource: 's3.amazonaws.com' }, { eventSource: 's3.amazonaws.com' }] }));
    const res = await importCloudTrailFile(f.path);
    await f.cleanup();
    expect(res.errors.map(formatIssue)).toEqual(['ct.json[1]: field "eventName": is required (a string)']);
    expect(res.records).toEqual([]);
  });
});
