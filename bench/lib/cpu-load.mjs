// A fixed CPU load for the fan-out scenario's BENCH_LOAD mode: one process that spins for `duty` of
// every `period` ms and sleeps the rest, on whichever core the scheduler gives it (one at a time:
// it is single-threaded). Run as `node bench/lib/cpu-load.mjs <duty> <periodMs>`; the scenario
// starts it before each round's edits and stops it after their deliveries, the same on both sides.
// The spin allocates nothing, so the load is the same from start to end (no collections of its own).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Starts the load in a child process; resolves once it spins, to a function that stops it. */
export async function startCpuLoad({ duty, periodMs }) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), String(duty), String(periodMs)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    child.stdout.once("data", resolve);
    child.once("exit", (code) => reject(new Error(`the CPU load exited (${code})`)));
  });
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
}

function spin(duty, periodMs) {
  const busyMs = duty * periodMs;
  const started = performance.now();
  let cycle = 0;
  const tick = () => {
    const busyUntil = started + cycle * periodMs + busyMs;
    while (performance.now() < busyUntil);
    cycle += 1;
    // Each cycle starts on the clock, not after the last one: a late timer shortens the idle part.
    const next = started + cycle * periodMs;
    setTimeout(tick, Math.max(0, next - performance.now()));
  };
  tick();
  process.stdout.write("spinning\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const duty = Number(process.argv[2]);
  const periodMs = Number(process.argv[3]);
  if (!(duty > 0 && duty <= 1) || !(periodMs > 0)) {
    console.error("usage: node bench/lib/cpu-load.mjs <duty in (0, 1]> <period ms>");
    process.exit(2);
  }
  spin(duty, periodMs);
}
