// Calls Mnemo's gRPC API with @grpc/grpc-js and @grpc/proto-loader, from the repository's .proto
// files, and prints one JSON object with what each call returned (the .NET test asserts on it): cache
// calls, errors, and a cluster snapshot of the Memshack watched to its end over a server stream. With
// a Committed snapshot's name and a path, it also reads Snapshots.Export to its end into that file.
// usage: node client.js <host:port> <protos folder> <namespace/name of a Memshack> [<snapshot> <file>]
'use strict';
const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [target, protos, memshackKey, exportSnapshot, exportFile] = process.argv.slice(2);
if (!target || !protos || !memshackKey) {
  console.error('usage: node client.js <host:port> <protos folder> <namespace/name>');
  process.exit(2);
}
const [namespace, name] = memshackKey.split('/');
const memshack = { namespace, name };

const definition = protoLoader.loadSync(['mnemo/v1/cache.proto', 'mnemo/v1/snapshots.proto'], {
  includeDirs: [protos], longs: String, enums: String, defaults: true,
});
const v1 = grpc.loadPackageDefinition(definition).mnemo.v1;
const cache = new v1.Cache(target, grpc.credentials.createInsecure());
const snapshots = new v1.Snapshots(target, grpc.credentials.createInsecure());

function deadline(ms) { return new Date(Date.now() + ms); }

// Resolves with { code: 0, response } or { code, details, reason found in the google.rpc.Status details }.
function call(method, request, ms = 10000, client = cache) {
  return new Promise((resolve) => {
    client[method](request, { deadline: deadline(ms) }, (error, response) => {
      if (!error) return resolve({ code: 0, response });
      const details = error.metadata ? error.metadata.get('grpc-status-details-bin') : [];
      const binary = details.length > 0 ? Buffer.from(details[0]).toString('latin1') : '';
      const reasons = ['MEMSHACK_NOT_FOUND', 'KEY_NOT_FOUND', 'INVALID_FIELD', 'CAS_MISMATCH', 'SNAPSHOT_NOT_FOUND'];
      const reason = reasons.find((r) => binary.includes(r)) || '';
      resolve({ code: error.code, details: error.details, reason });
    });
  });
}

// A server-streaming Snapshots.Watch: resolves with its final status code and the phases it received.
function watch(request, ms) {
  return new Promise((resolve) => {
    const phases = [];
    let finished = false;
    let ended = false;
    let status = null;
    const done = () => resolve({ code: status.code, phases, finished });
    const stream = snapshots.Watch(request, { deadline: deadline(ms) });
    stream.on('data', (event) => { phases.push(event.phase); finished = event.finished; });
    stream.on('error', () => {}); // the status below carries the code
    stream.on('end', () => { ended = true; if (status) done(); });
    stream.on('status', (s) => { status = s; if (ended || s.code !== 0) done(); });
  });
}

// A server-streaming Snapshots.Export read to its end: the file's chunks written to `path`, and what the
// messages said (progress messages carry no chunk).
function exportTo(request, path, ms) {
  return new Promise((resolve) => {
    const chunks = [];
    let progress = 0;
    let last = null;
    let ended = false;
    let status = null;
    const done = () => {
      const bytes = chunks.reduce((n, c) => n + c.length, 0);
      if (status.code === 0) fs.writeFileSync(path, Buffer.concat(chunks));
      resolve({ code: status.code, progress, chunks: chunks.length, bytes, fileBytes: last ? last.fileBytes : '0', items: last ? last.items : '0' });
    };
    const stream = snapshots.Export(request, { deadline: deadline(ms) });
    stream.on('data', (message) => {
      if (message.chunk.length === 0) progress++; else chunks.push(message.chunk);
      last = message;
    });
    stream.on('error', () => {}); // the status below carries the code
    stream.on('end', () => { ended = true; if (status) done(); });
    stream.on('status', (s) => { status = s; if (ended || s.code !== 0) done(); });
  });
}

function unknownMethod(method) {
  return new Promise((resolve) => {
    const client = new grpc.Client(target, grpc.credentials.createInsecure());
    client.makeUnaryRequest(method, (x) => x, (x) => x, Buffer.alloc(0), { deadline: deadline(10000) },
      (error) => { client.close(); resolve({ code: error ? error.code : 0, details: error ? error.details : '' }); });
  });
}

async function main() {
  const out = {};
  const set = await call('Set', { memshack, key: Buffer.from('interop:greeting'), value: Buffer.from('hello from grpc-js'), flags: 7 });
  out.set = { code: set.code, cas: set.response ? set.response.cas : null };
  const get = await call('Get', { memshack, key: Buffer.from('interop:greeting') });
  out.get = get.code === 0
    ? { code: 0, value: get.response.item.value.toString(), flags: get.response.item.flags, cas: get.response.item.cas }
    : get;
  out.missingKey = await call('Get', { memshack, key: Buffer.from('interop:absent') });
  out.unknownMemshack = await call('Get', { memshack: { namespace: 'default', name: 'no-such-memshack' }, key: Buffer.from('k') });
  out.badKey = await call('Set', { memshack, key: Buffer.alloc(300, 'k'), value: Buffer.from('v') });
  out.casMismatch = await call('Set', { memshack, key: Buffer.from('interop:greeting'), value: Buffer.from('x'), cas: '1' });
  await call('Set', { memshack, key: Buffer.from('interop:counter'), value: Buffer.from('41') });
  const incr = await call('Incr', { memshack, key: Buffer.from('interop:counter'), delta: '1' });
  out.incr = { code: incr.code, value: incr.response ? incr.response.value : null };
  out.unknownMethod = await unknownMethod('/mnemo.v1.Cache/NoSuchMethod');
  out.unknownService = await unknownMethod('/mnemo.v1.NoSuchService/Get');
  // Many keys and a 1 ms deadline: the call cannot finish in time.
  const keys = Array.from({ length: 5000 }, (_, i) => Buffer.from(`interop:many:${i}`));
  out.deadline = await call('GetMany', { memshack, keys }, 1);
  const after = await call('Get', { memshack, key: Buffer.from('interop:greeting') });
  out.afterDeadline = { code: after.code };

  const snapshot = { namespace, name: 'interop-snapshot' };
  const created = await call('Create', { snapshot, memshack }, 10000, snapshots);
  out.snapshotCreate = { code: created.code, phase: created.response ? created.response.phase : null };
  out.watch = await watch({ snapshot }, 60000);
  out.watchDeadline = await watch({ snapshot }, 1);
  out.unknownSnapshot = await call('Get', { snapshot: { namespace, name: 'no-such-snapshot' } }, 10000, snapshots);
  const deleted = await call('Delete', { snapshot }, 10000, snapshots);
  out.snapshotDelete = { code: deleted.code };
  if (exportSnapshot) out.export = await exportTo({ snapshot: { namespace, name: exportSnapshot } }, exportFile, 120000);
  cache.close();
  snapshots.close();
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
