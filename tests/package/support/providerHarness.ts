/**
 * Drives the component provider as the Pulumi engine does, without a CLI: a fake engine and a fake resource monitor
 * (gRPC servers on 127.0.0.1; the monitor answers registrations and invokes with the suite's mocks) and the provider
 * started the way Pulumi runs a nodejs plugin (the SDK's run-plugin on the package directory, which loads package.json
 * `main`, with the engine's address). GetSchema and Construct go over gRPC; the monitor records what each
 * construction registered.
 */
import * as path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { mockedCall, mockedOutputs, DEFAULT_ACCOUNT } from "../../support/pulumiMocks";

const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromSdk = (module: string) => require(path.join(sdk, module));
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdk] }));
const { Empty } = require(require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [sdk] }));
const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdk] }));
const providerRpc = fromSdk("proto/provider_grpc_pb");
const providerProto = fromSdk("proto/provider_pb");
const resourceRpc = fromSdk("proto/resource_grpc_pb");
const resourceProto = fromSdk("proto/resource_pb");
const engineRpc = fromSdk("proto/engine_grpc_pb");
const engineProto = fromSdk("proto/engine_pb");
const rpc = fromSdk("runtime/rpc");

/** A resource the provider registered with the monitor while constructing. */
export interface Registered {
    type: string;
    name: string;
    parent: string;
    custom: boolean;
    urn: string;
}

export interface Construction {
    urn: string;
    /** The component's outputs, as the engine receives them. */
    state: Record<string, unknown>;
    registered: Registered[];
}

type Callback = (err: Error | null, response?: unknown) => void;
type Call = { request: any };

const PROJECT = "consumer";
const STACK = "dev";

export class ProviderHarness {
    readonly registered: Registered[] = [];
    readonly logs: string[] = [];
    private readonly states = new Map<string, { urn: string; id: string; state: unknown }>();
    private readonly servers: any[] = [];
    private plugin?: ChildProcess;
    private client: any;
    private monitorAddress = "";

    /** Starts the engine, the monitor and the provider of the package at `packageDir`. */
    async start(packageDir: string): Promise<void> {
        const engineAddress = await this.serve(engineRpc.EngineService, {
            log: (call: Call, cb: Callback) => (this.logs.push(call.request.getMessage()), cb(null, new Empty())),
            getRootResource: (_: Call, cb: Callback) => cb(null, new engineProto.GetRootResourceResponse()),
            setRootResource: (_: Call, cb: Callback) => cb(null, new engineProto.SetRootResourceResponse()),
        });
        this.monitorAddress = await this.serve(resourceRpc.ResourceMonitorService, {
            supportsFeature: (call: Call, cb: Callback) => {
                const response = new resourceProto.SupportsFeatureResponse();
                // What the engine of the pinned CLI supports, but output values (plain values keep the mocks simple).
                response.setHassupport(call.request.getId() !== "outputValues");
                cb(null, response);
            },
            registerResource: (call: Call, cb: Callback) => void this.registerResource(call.request).then((r) => cb(null, r), (e) => cb(e)),
            registerResourceOutputs: (_: Call, cb: Callback) => cb(null, new Empty()),
            invoke: (call: Call, cb: Callback) => void this.invoke(call.request).then((r) => cb(null, r), (e) => cb(e)),
            registerPackage: (_: Call, cb: Callback) => {
                const response = new resourceProto.RegisterPackageResponse();
                response.setRef("harness-package");
                cb(null, response);
            },
            registerStackTransform: (_: Call, cb: Callback) => cb(null, new Empty()),
            registerStackInvokeTransform: (_: Call, cb: Callback) => cb(null, new Empty()),
            signalAndWaitForShutdown: (_: Call, cb: Callback) => cb(null, new Empty()),
        });
        const plugin = spawn(process.execPath, [path.join(sdk, "cmd", "run-plugin"), packageDir, engineAddress], {
            cwd: packageDir,
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.plugin = plugin;
        let stderr = "";
        plugin.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const port = await new Promise<string>((resolve, reject) => {
            let stdout = "";
            plugin.stdout!.on("data", (chunk: Buffer) => {
                stdout += chunk.toString();
                const line = /^(\d+)\n/.exec(stdout);
                if (line) resolve(line[1]);
            });
            plugin.on("exit", (code) => reject(new Error(`the provider exited (${code}) before listening:\n${stdout}\n${stderr}`)));
        });
        this.client = new providerRpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    }

    async getSchema(): Promise<any> {
        const response = await this.unary<{ getSchema(): string }>("getSchema", new providerProto.GetSchemaRequest());
        return JSON.parse(response.getSchema());
    }

    /** Constructs `type` named `name` from `inputs` (plain values, resource references allowed) as a stack's child. */
    async construct(type: string, name: string, inputs: Record<string, unknown>, config: Record<string, string> = {}): Promise<Construction> {
        const request = new providerProto.ConstructRequest();
        request.setProject(PROJECT);
        request.setStack(STACK);
        request.setOrganization("organization");
        request.setMonitorendpoint(this.monitorAddress);
        request.setDryrun(true);
        request.setParallel(4);
        request.setType(type);
        request.setName(name);
        const configMap = request.getConfigMap();
        for (const [key, value] of Object.entries({ "aws:region": DEFAULT_ACCOUNT.region, ...config })) configMap.set(key, value);
        request.setInputs(Struct.fromJavaScript(await rpc.serializeProperties("inputs", inputs, { keepResources: true })));
        const before = this.registered.length;
        const response = await this.unary<any>("construct", request);
        return {
            urn: response.getUrn(),
            state: rpc.deserializeProperties(response.getState()),
            registered: this.registered.slice(before),
        };
    }

    /**
     * A resource the program "already has" (e.g. its own table), known to the monitor, as the resource reference an
     * engine passes in a Construct's inputs (the wire form: no resource is created in this process).
     */
    existing(type: string, name: string, state: Record<string, unknown>): Record<string, unknown> {
        const urn = `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
        const id = `${name}-id`;
        this.states.set(urn, { urn, id, state: { ...state, id } });
        return { [rpc.specialSigKey]: rpc.specialResourceSig, urn, id, packageVersion: "" };
    }

    async stop(): Promise<void> {
        this.client?.close();
        this.plugin?.kill();
        await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.tryShutdown(() => resolve()))));
    }

    private async registerResource(request: any): Promise<unknown> {
        const type: string = request.getType();
        const name: string = request.getName();
        const parent: string = request.getParent();
        const custom: boolean = request.getCustom();
        const inputs = rpc.deserializeProperties(request.getObject());
        const qualifiedType = parent ? `${parent.split("::")[2]}$${type}` : type;
        const urn = `urn:pulumi:${STACK}::${PROJECT}::${qualifiedType}::${name}`;
        const id = custom ? `${name}-id` : "";
        const state = custom ? { ...inputs, ...mockedOutputs(type, name, inputs, DEFAULT_ACCOUNT) } : {};
        this.registered.push({ type, name, parent, custom, urn });
        this.states.set(urn, { urn, id, state });
        const response = new resourceProto.RegisterResourceResponse();
        response.setUrn(urn);
        response.setId(id);
        response.setObject(Struct.fromJavaScript(await rpc.serializeProperties("state", state)));
        return response;
    }

    private async invoke(request: any): Promise<unknown> {
        const token: string = request.getTok();
        const args = rpc.deserializeProperties(request.getArgs());
        const result =
            token === "pulumi:pulumi:getResource"
                ? (() => {
                      const known = this.states.get(args.urn);
                      if (!known) throw new Error(`unknown resource ${args.urn}`);
                      return known;
                  })()
                : mockedCall(token, args, DEFAULT_ACCOUNT);
        const response = new providerProto.InvokeResponse();
        response.setReturn(Struct.fromJavaScript(await rpc.serializeProperties("return", result)));
        return response;
    }

    private unary<T>(method: string, request: unknown): Promise<T> {
        return new Promise<T>((resolve, reject) => this.client[method](request, (err: Error | null, response: T) => (err ? reject(err) : resolve(response))));
    }

    private serve(service: unknown, implementation: Record<string, unknown>): Promise<string> {
        const server = new grpc.Server();
        server.addService(service, implementation);
        this.servers.push(server);
        return new Promise<string>((resolve, reject) =>
            server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err: Error | null, port: number) => (err ? reject(err) : resolve(`127.0.0.1:${port}`))),
        );
    }
}
