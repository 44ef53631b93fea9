import { describe, expect, it } from "vitest";
import { activateWaitingWorker, watchForWaitingWorker, type RegistrationLike, type WorkerLike } from "./service-worker";

class FakeWorker extends EventTarget {
  state: ServiceWorkerState = "installing";
  messages: unknown[] = [];
  postMessage(message: unknown) {
    this.messages.push(message);
  }
  moveTo(state: ServiceWorkerState) {
    this.state = state;
    this.dispatchEvent(new Event("statechange"));
  }
}

class FakeRegistration extends EventTarget {
  waiting: FakeWorker | null = null;
  installing: FakeWorker | null = null;
  found(worker: FakeWorker) {
    this.installing = worker;
    this.dispatchEvent(new Event("updatefound"));
  }
}

const asRegistration = (fake: FakeRegistration) => fake as unknown as RegistrationLike;

describe("announcing a new version", () => {
  it("announces an update once it has installed, not while it installs", () => {
    const registration = new FakeRegistration();
    const announced: WorkerLike[] = [];
    watchForWaitingWorker(asRegistration(registration), () => true, (worker) => announced.push(worker));
    const next = new FakeWorker();
    registration.found(next);
    expect(announced).toEqual([]);
    next.moveTo("installed");
    expect(announced).toEqual([next]);
  });

  it("announces a worker already waiting when the page opens", () => {
    const registration = new FakeRegistration();
    registration.waiting = new FakeWorker();
    const announced: WorkerLike[] = [];
    watchForWaitingWorker(asRegistration(registration), () => true, (worker) => announced.push(worker));
    expect(announced).toEqual([registration.waiting]);
  });

  it("does not announce the first worker a browser installs", () => {
    const registration = new FakeRegistration();
    const announced: WorkerLike[] = [];
    watchForWaitingWorker(asRegistration(registration), () => false, (worker) => announced.push(worker));
    const first = new FakeWorker();
    registration.found(first);
    first.moveTo("installed");
    expect(announced).toEqual([]);
  });

  it("swaps only when asked, and reloads the page once when the new worker takes over", () => {
    const worker = new FakeWorker();
    const container = new EventTarget();
    let reloads = 0;
    activateWaitingWorker(worker as unknown as WorkerLike, container as unknown as ServiceWorkerContainer, () => reloads++);
    expect(worker.messages).toEqual([{ type: "SKIP_WAITING" }]);
    expect(reloads).toBe(0);
    container.dispatchEvent(new Event("controllerchange"));
    container.dispatchEvent(new Event("controllerchange"));
    expect(reloads).toBe(1);
  });
});
