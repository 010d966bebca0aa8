/**
 * The deployment's schedules on the scenario clock: those up to the scenario's length (at least 10 minutes) tick
 * on the scaled clock; longer ones (an hourly check, a daily report) would not fire during it, so they run once
 * at its end.
 */
import { schedulePeriodMs } from "../runtime/clock";
import type { EventRouter } from "../runtime/eventRouter";
import type { RuleChangeRequest } from "../aws/eventBridgeStandin";
import { LocalDeployment, LocalRule, functionByArn } from "../world/deployment";
import { deliveries } from "../world/scenario";
import type { RunContext } from "./context";

/** Schedules with at most this period tick on the scaled clock even when the scenario is shorter. */
const RECURRING_SCHEDULE_MIN_MS = 10 * 60_000;

/** ARNs of the rules the options switch off; throws for a name no stack deployed. */
export function disabledRuleArns(deployment: LocalDeployment, names: string[] | undefined): Set<string> {
    return new Set(
        (names ?? []).flatMap((name) => {
            const rules = deployment.rules.filter((r) => r.name === name);
            if (rules.length === 0) throw new Error(`no rule named ${name} to disable; the stacks deploy ${deployment.rules.map((r) => r.name).join(", ")}`);
            return rules.map((r) => r.arn);
        }),
    );
}

/** How often a recurring schedule looks at the scenario clock, per period. */
const SCHEDULE_LOOKS_PER_PERIOD = 4;

/**
 * A rate schedule on the scenario clock: due once a period of scenario time has passed since it last fired. While the
 * player holds the clock (a machine slower than the scenario), no scenario time passes and nothing is due: counting
 * real time instead fired the workbench inventories two or three times at one scenario instant, snapshots that raced
 * each other to the hub. Missed periods are skipped, not fired in a burst, as EventBridge does not catch up either.
 */
export class ScenarioPeriod {
    constructor(
        private readonly periodMs: number,
        private lastFiredSeconds: number,
    ) {}

    /** True (and the period restarts) when a whole period of scenario time has passed since the last firing. */
    due(nowSeconds: number): boolean {
        if ((nowSeconds - this.lastFiredSeconds) * 1000 < this.periodMs) return false;
        this.lastFiredSeconds = nowSeconds;
        return true;
    }
}

/** True once an allowed DisableRule named the rule on its bus (EventBridge's record of it): the rule fires no more. */
export function disabledByRuleChange(allowedChanges: readonly RuleChangeRequest[] | undefined, rule: LocalRule): boolean {
    return (allowedChanges ?? []).some((c) => c.action === "DisableRule" && c.rule === rule.name && c.eventBusName === rule.busName);
}

export class Schedules {
    /** The schedules that tick during the scenario, with their period in scenario ms. */
    readonly recurring: Array<{ rule: LocalRule; periodMs: number }> = [];
    /** The schedules that run once, at the end of the scenario. */
    readonly atEnd: LocalRule[] = [];
    private readonly timers = new Set<NodeJS.Timeout>();
    private started = false;

    /** Sorts the deployment's enabled schedules into recurring and end-of-scenario ones, and prints them. */
    constructor(
        private readonly run: RunContext,
        deployment: LocalDeployment,
        private readonly router: EventRouter,
        /** Whether a rule was disabled during the run (an allowed DisableRule): its ticks stop. Default: never. */
        private readonly isDisabled: (rule: LocalRule) => boolean = () => false,
    ) {
        const { out, speed, clock, scenario, options } = run;
        const span = Math.max(RECURRING_SCHEDULE_MIN_MS, Math.max(...deliveries(scenario).map((d) => d.at)) * 1000);
        out("");
        out(`Schedules, on the scenario clock (${speed}x):`);
        for (const name of options.disabledRules ?? []) out(`  rule ${name}: disabled`);
        const disabled = disabledRuleArns(deployment, options.disabledRules);
        for (const rule of deployment.rules.filter((r) => r.scheduleExpression && !disabled.has(r.arn))) {
            const period = schedulePeriodMs(rule.scheduleExpression!);
            const targets = rule.targets.map((t) => functionByArn(deployment, t.arn)?.name ?? t.arn).join(", ");
            if (period !== undefined && period <= span) {
                this.recurring.push({ rule, periodMs: period });
                out(`  ${rule.name.padEnd(18)} ${rule.scheduleExpression} -> every ${(clock.scaled(period) / 1000).toFixed(1)} s at ${speed}x (${targets})`);
            } else {
                this.atEnd.push(rule);
                out(`  ${rule.name.padEnd(18)} ${rule.scheduleExpression} -> once, at the end of the scenario (${targets})`);
            }
        }
    }

    /** The recurring schedules still enabled: the ones the sandbox waits for when it settles. */
    enabled(): Array<{ rule: LocalRule; periodMs: number }> {
        return this.recurring.filter(({ rule }) => !this.isDisabled(rule));
    }

    /** The longest period of a recurring schedule, scenario ms (0 without any). */
    get longestPeriodMs(): number {
        return Math.max(0, ...this.recurring.map((r) => r.periodMs));
    }

    start(): void {
        this.started = true;
        for (const { rule, periodMs } of this.recurring) this.startTicking(rule, periodMs);
    }

    /**
     * A schedule deployed during the run (the StackSets stand-in's new stack instance): ticks from now on, its first
     * tick a period later, as EventBridge starts a rate schedule when the rule is created. Only recurring periods.
     */
    add(rule: LocalRule): void {
        const periodMs = schedulePeriodMs(rule.scheduleExpression ?? "");
        if (periodMs === undefined) throw new Error(`rule ${rule.name} has no rate schedule the sandbox can tick`);
        this.recurring.push({ rule, periodMs });
        if (this.started) this.startTicking(rule, periodMs);
    }

    private startTicking(rule: LocalRule, periodMs: number): void {
        const { clock } = this.run;
        // A tick whose previous tick's targets still run is skipped: on a machine slower than the scaled clock,
        // overlapping ticks would pile up and keep the sandbox from ever being idle (and so from settling).
        let running = false;
        const period = new ScenarioPeriod(periodMs, clock.scenarioNow());
        const tick = () => {
            if (running || this.isDisabled(rule) || !period.due(clock.scenarioNow())) return;
            running = true;
            void this.router.fireSchedule(rule, clock.timeAt(clock.scenarioNow()), periodMs).finally(() => (running = false));
        };
        // Looked at four times a period, so a tick is late by at most a quarter period of scenario time.
        this.timers.add(setInterval(tick, clock.scaled(periodMs) / SCHEDULE_LOOKS_PER_PERIOD));
    }

    stop(): void {
        for (const timer of this.timers) clearInterval(timer);
        this.timers.clear();
    }

    /** The schedules longer than the scenario (the usage report, the utilisation check) run once now. */
    async runAtEnd(): Promise<void> {
        const { out, clock, work } = this.run;
        if (this.atEnd.length === 0) return;
        out("");
        out("End of the scenario: the schedules longer than the scenario run once now");
        for (const rule of this.atEnd) void this.router.fireSchedule(rule, clock.timeAt(clock.scenarioNow()));
        await work.idle();
    }
}
