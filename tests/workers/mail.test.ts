import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { resetPasswordMail, verificationLink, verificationMail } from "../../workers/domain/account-mail";
import { MailError, mailerFrom } from "../../workers/lib/mail";
import { outbox, uniqueEmail } from "./helpers";

const standin = inject("mailStandin");
const SITE = "https://loreloom.example";

function httpEnv(overrides: Record<string, string | undefined> = {}) {
  return {
    DB: env.DB,
    MAIL_PROVIDER: "http",
    MAIL_API_URL: `${standin.url}/emails`,
    MAIL_API_KEY: standin.key,
    MAIL_FROM: "Loreloom <no-reply@loreloom.example>",
    ...overrides,
  };
}

async function sentByStandin(): Promise<{ from: string; to: string[]; subject: string; text: string; html: string }[]> {
  return (await fetch(`${standin.url}/sent`)).json();
}

describe("mail (workers/lib/mail.ts)", () => {
  it("sends through an HTTP mail API: the key, the sender, one recipient, text and escaped HTML", async () => {
    const to = uniqueEmail("inbox");
    const link = verificationLink(SITE, "tok.en");
    await mailerFrom(httpEnv(), SITE).send(verificationMail({ email: to, name: "<b>Ada</b>" }, link));
    const mail = (await sentByStandin()).find((m) => m.to[0] === to);
    expect(mail).toMatchObject({ from: "Loreloom <no-reply@loreloom.example>", to: [to], subject: "Confirm your email address for Loreloom" });
    expect(mail!.text).toContain(link);
    expect(mail!.text).toContain("Hello <b>Ada</b>,");
    expect(mail!.html).toContain("Hello &lt;b&gt;Ada&lt;/b&gt;,");
    expect(mail!.html).not.toContain("<b>Ada</b>");
    // Nothing went to the outbox: production mail leaves the machine.
    expect(await outbox(to)).toEqual([]);
  });

  it("throws when the mail API refuses the message, and never reports it sent", async () => {
    const to = uniqueEmail("refused");
    const mailer = mailerFrom(httpEnv({ MAIL_API_KEY: "wrong-key" }), SITE);
    await expect(mailer.send(resetPasswordMail({ email: to, name: "Bo" }, `${SITE}/reset-password?token=x`))).rejects.toThrow(MailError);
    expect((await sentByStandin()).some((m) => m.to[0] === to)).toBe(false);
  });

  it("refuses to build a mailer it cannot send with, instead of dropping mail", () => {
    expect(() => mailerFrom({ DB: env.DB }, SITE)).toThrow(/MAIL_PROVIDER is unset/);
    expect(() => mailerFrom({ DB: env.DB, MAIL_PROVIDER: "pigeon" }, SITE)).toThrow(MailError);
    expect(() => mailerFrom(httpEnv({ MAIL_API_URL: undefined, MAIL_FROM: " " }), SITE)).toThrow(/MAIL_API_URL, MAIL_FROM are unset/);
    // The outbox is for local runs: on a real site nobody would read it.
    expect(() => mailerFrom({ DB: env.DB, MAIL_PROVIDER: "outbox" }, SITE)).toThrow(/only serves local runs/);
    expect(mailerFrom({ DB: env.DB, MAIL_PROVIDER: "outbox" }, "http://localhost:8787").provider).toBe("outbox");
  });

  it("keeps mail in the D1 outbox locally, whole", async () => {
    const to = uniqueEmail("local");
    await mailerFrom({ DB: env.DB, MAIL_PROVIDER: "outbox" }, "http://localhost").send(verificationMail({ email: to, name: "Cy" }, verificationLink("http://localhost", "abc")));
    const [mail] = await outbox(to);
    expect(mail).toMatchObject({ kind: "verify-email", subject: "Confirm your email address for Loreloom" });
    expect(mail!.text).toContain("http://localhost/api/auth/verify-email?token=abc&callbackURL=%2Fverified");
  });
});
