/** A place in a TOML file. line and column count from 1. */
export interface Position {
  file: string;
  line: number;
  column: number;
}

/** Per-function limits, in bytes and milliseconds. */
export interface Limits {
  memory: number;
  timeoutMs: number;
  maxBody: number;
  maxOutput: number;
  /** Requests running at once. */
  concurrency: number;
  /** Requests waiting beyond `concurrency`; past it the gateway answers 503. */
  queue: number;
}

/** A read-only preopen. */
export interface FileMount {
  /** Absolute host path, inside the app directory. */
  source: string;
  /** Absolute, normalized guest path. */
  destination: string;
}

export interface BuildSpec {
  command: string;
  /** Absolute. */
  workdir: string;
  watch: string[];
}

export interface FunctionSpec {
  name: string;
  /** Absolute path of the module. */
  source: string;
  routes: string[];
  build: BuildSpec | null;
  environment: Record<string, string>;
  files: FileMount[];
  limits: Limits;
  keyValueStores: string[];
  /** `scheme://host[:port]` patterns as written (trimmed), checked with the http capability's parser. */
  allowedOutboundHosts: string[];
  /** Binding name → template such as "{{ greeting }} world". */
  variables: Record<string, string>;
  /** Of the [functions.NAME] header (or the key that defines the function). */
  position: Position;
}

export interface VariableSpec {
  name: string;
  default: string | null;
  required: boolean;
  secret: boolean;
  position: Position;
}

export interface AppManifest {
  /** Absolute path of waft.toml. */
  file: string;
  /** Absolute directory of waft.toml; relative paths resolve from here. */
  dir: string;
  app: { name: string; version: string | null; description: string | null };
  functions: FunctionSpec[];
  variables: Record<string, VariableSpec>;
  /**
   * Best position of a key such as ['functions', 'hello', 'route'] or of an array element such as
   * ['functions', 'hello', 'routes', '1']. A key that is not in the file falls back to its nearest
   * enclosing table, then to line 1. `routes.N` works whether the file wrote `route` or `routes`.
   */
  locate(keyPath: string[]): Position;
}
