// Validates Kubernetes objects against Kubernetes' OpenAPI schemas, as compiled by the npm package
// kubernetes-models. Input on stdin: a JSON array of objects. Argument: the folder holding
// node_modules/kubernetes-models. Prints one line per object ("ok <kind> <name>" or
// "invalid <kind> <name>: <errors>") and exits 1 when any object is invalid or of a kind the
// package does not know.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const models = join(process.argv[2] ?? ".", "node_modules", "kubernetes-models");
const objects = JSON.parse(readFileSync(0, "utf8"));
let failed = false;
for (const object of objects) {
  const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : [null, object.apiVersion];
  const file = join(models, ...(group ? [group, version] : [version]), `${object.kind}.js`);
  const what = `${object.apiVersion}/${object.kind} ${object.metadata?.name ?? "(no name)"}`;
  if (!existsSync(file)) {
    console.log(`unknown ${what}: kubernetes-models has no schema for it`);
    failed = true;
    continue;
  }
  const Model = (await import(pathToFileURL(file).href))[object.kind];
  try {
    new Model(object).validate();
    console.log(`ok ${what}`);
  } catch (error) {
    console.log(`invalid ${what}: ${JSON.stringify(error.errors ?? error.message)}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
