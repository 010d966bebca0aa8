import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";

/** A bundle and the files it was built from (paths relative to the working directory the build ran in). */
export interface BuiltBundle {
    code: string;
    inputs: string[];
}

interface CacheEntry {
    key: string;
    /** SHA-256 of each input file at build time. */
    inputs: Record<string, string>;
    code: string;
}

/**
 * A bundle cache on disk, for a repository checkout (the built package ships its bundles and needs none): one file
 * per handler, holding the bundle, the build's settings key and the SHA-256 of every file the bundler read. An entry
 * is used only when the key is the same and every input still hashes the same; anything else (a changed, moved or
 * deleted input, another esbuild version or option) rebuilds and replaces it. Hashing the inputs (a few hundred
 * files, mostly the AWS SDK's) takes tens of milliseconds where esbuild takes about a second per handler.
 */
export class BundleCache {
    constructor(
        /** Folder of the cache entries. */
        private readonly dir: string,
        /** Folder the input paths are relative to (esbuild's working directory). */
        private readonly root: string,
    ) {}

    /** The cached bundle of `name` if built with `key` from the inputs as they are now; else `build()`, stored. */
    get(name: string, key: string, build: () => BuiltBundle): string {
        const file = path.join(this.dir, `${name}.json`);
        const cached = this.read(file);
        if (cached && cached.key === key && this.inputsUnchanged(cached.inputs)) return cached.code;
        const built = build();
        // An input that cannot be read now is recorded as "", which no later digest equals: the entry is never used.
        this.write(file, { key, code: built.code, inputs: Object.fromEntries(built.inputs.map((input) => [input, this.digest(input) ?? ""])) });
        return built.code;
    }

    private read(file: string): CacheEntry | undefined {
        try {
            return JSON.parse(fs.readFileSync(file, "utf8")) as CacheEntry;
        } catch {
            return undefined; // absent or torn: rebuild
        }
    }

    private inputsUnchanged(inputs: Record<string, string>): boolean {
        return Object.entries(inputs).every(([input, sha]) => this.digest(input) === sha);
    }

    private digest(input: string): string | undefined {
        try {
            return createHash("sha256").update(fs.readFileSync(path.resolve(this.root, input))).digest("hex");
        } catch {
            return undefined;
        }
    }

    /** Written to a temporary file and renamed, so a concurrent reader never sees half an entry. */
    private write(file: string, entry: CacheEntry): void {
        try {
            fs.mkdirSync(this.dir, { recursive: true });
            const temporary = `${file}.${process.pid}.tmp`;
            fs.writeFileSync(temporary, JSON.stringify(entry));
            fs.renameSync(temporary, file);
        } catch {
            // A read-only checkout still bundles; it only cannot remember.
        }
    }
}
