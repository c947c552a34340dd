import { isAlias, isMap, isScalar, type Pair, type YAMLMap } from "yaml";
import type { ManifestObject, ParsedManifestFile } from "../manifests/parse-manifests.js";

/**
 * Why a Job's annotations cannot be edited where they are written, or null when they can.
 *
 * Argo CD reads YAML merge keys (`<<: *defaults`) and aliases as the Job's own content, so the Job's annotations may
 * be text shared with other objects or provided from elsewhere: an edit there changes the other objects too, and a
 * new `annotations:` key beside a merge replaces every merged annotation. In a Helm template, `{{ if }}`/`{{ else }}`
 * branches that each define the metadata show up as repeated keys once masked: an edit would reach one branch only.
 * The fix then belongs in the shared text or in each branch, by hand.
 */
export function editBlocker(file: ParsedManifestFile, object: ManifestObject): string | null {
  const top = object.node;
  const repeated = repeatedKey(top, ["metadata"]);
  if (repeated) return branchesReason(file, `the Job's ${repeated}`);
  const metadataPair = pairOf(top, "metadata");
  if (!metadataPair) {
    return hasMergeKey(top) ? "the Job's metadata comes from a YAML merge key (<<): change it by hand" : null;
  }
  const metadata = metadataPair.value;
  if (isAlias(metadata)) return aliasReason("metadata map", metadata.source);
  if (!isMap(metadata)) return null;
  if (metadata.anchor) return anchorReason("metadata map", metadata.anchor);
  const repeatedInMetadata = repeatedKey(metadata, ["annotations", "name", "generateName"]);
  if (repeatedInMetadata) return branchesReason(file, `metadata.${repeatedInMetadata}`);
  const annotationsPair = pairOf(metadata, "annotations");
  if (!annotationsPair) {
    return hasMergeKey(metadata)
      ? "the Job's metadata takes keys from a YAML merge key (<<), which may provide its annotations: an annotations map added here would replace the merged one; write the Job's annotations by hand"
      : null;
  }
  const annotations = annotationsPair.value;
  if (isAlias(annotations)) return aliasReason("annotations map", annotations.source);
  if (!isMap(annotations)) return null;
  if (annotations.anchor) return anchorReason("annotations map", annotations.anchor);
  if (hasMergeKey(annotations)) {
    return "some of the Job's annotations come from a YAML merge key (<<): an annotation written beside it would override the merged one; change them by hand";
  }
  for (const pair of annotations.items) {
    if (isAlias(pair.value)) return aliasReason(`annotation ${keyText(pair)}`, pair.value.source);
    if (isScalar(pair.value) && pair.value.anchor)
      return anchorReason(`annotation ${keyText(pair)}`, pair.value.anchor);
  }
  const repeatedAnnotation = repeatedKey(annotations, null);
  if (repeatedAnnotation) return branchesReason(file, `annotation ${repeatedAnnotation}`);
  return null;
}

function aliasReason(what: string, source: string): string {
  return `the Job's ${what} is the YAML alias *${source}, shared with whatever else uses the anchor: change it where &${source} is defined`;
}

function anchorReason(what: string, anchor: string): string {
  return `the Job's ${what} carries the YAML anchor &${anchor}: other objects may share it through aliases, and an edit would change them too`;
}

function branchesReason(file: ParsedManifestFile, what: string): string {
  return file.helm
    ? `${what} is written more than once (in Helm if/else branches): a fix would reach only one branch; add it to each branch by hand`
    : `${what} is written more than once`;
}

function keyText(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : "?";
}

function pairOf(map: YAMLMap, key: string): Pair | null {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key) ?? null;
}

/**
 * With merge keys on, yaml reads a plain `<<` key as the merge key, a symbol value (the only key it gives one); a
 * quoted "<<" is an ordinary string key, in yaml as in Go's YAML that Argo CD uses.
 */
function hasMergeKey(map: YAMLMap): boolean {
  return map.items.some((pair) => isScalar(pair.key) && typeof pair.key.value === "symbol");
}

/** The first of `keys` (any key when null) that the map holds more than once. */
function repeatedKey(map: YAMLMap, keys: readonly string[] | null): string | null {
  const seen = new Set<unknown>();
  for (const pair of map.items) {
    if (!isScalar(pair.key)) continue;
    const key = pair.key.value;
    if (typeof key !== "string" || (keys !== null && !keys.includes(key))) continue;
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return null;
}
