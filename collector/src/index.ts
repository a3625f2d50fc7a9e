export { createCollector, listen, loadClassifier, type Collector } from './collector.ts';
export { Classifier, type Classification } from './classify/classifier.ts';
export { loadRuleTrees, DEFAULT_RULES_DIR } from './classify/load-rules.ts';
export { Ingestor } from './ingest/ingest.ts';
export { computeMap, type DependencyMap } from './map/map.ts';
export { openDatabase } from './store/db.ts';
export { createToken } from './store/tokens.ts';
export { createUser, ensureFirstAdmin } from './accounts/users.ts';
