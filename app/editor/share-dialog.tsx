import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { VISIBILITIES, type Role } from "../../drizzle/schema/constants";
import { api } from "./api";
import { Dialog } from "./dialogs";
import type { EditorWorld } from "./world-settings";

type GrantedRole = "editor" | "viewer";
type Member = { userId: string; name: string; email?: string; role: Role; joinedAt: string };
type Invitation = {
  id: string;
  kind: "email" | "link";
  email: string | null;
  role: GrantedRole;
  status: "pending" | "accepted" | "declined" | "expired" | "revoked";
  expiresAt: string;
};
type ShareLink = { id: string; role: GrantedRole; status: "active" | "expired" | "revoked"; expiresAt: string; url?: string };

const VISIBILITY_TEXT: Record<string, { label: string; help: string }> = {
  private: { label: "Private", help: "Only the people below, and anyone you give a share link, can open it. It has no public page." },
  unlisted: {
    label: "Unlisted",
    help: "Anyone who has the link to its public page can read it and fork a copy. It is not in the gallery or its search.",
  },
  public: { label: "Public", help: "Anyone can find it in the gallery, read its public page and fork a copy." },
};

const EXPIRY_CHOICES: Array<[number, string]> = [
  [1, "1 hour"],
  [24, "1 day"],
  [168, "7 days"],
  [720, "30 days"],
];

const ROLE_HELP: Record<GrantedRole, string> = { editor: "can edit", viewer: "can view" };

/** "in 3 days", "in 5 h", or "expired". */
function untilText(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return "expired";
  const hours = ms / 3_600_000;
  if (hours < 1) return `in ${Math.max(1, Math.round(ms / 60_000))} min`;
  if (hours < 48) return `in ${Math.round(hours)} h`;
  return `in ${Math.round(hours / 24)} days`;
}

const select = "rounded-lg border border-stone-300 bg-white px-2 py-1.5 text-sm";
const smallButton = "rounded-lg border border-stone-300 px-2.5 py-1 text-sm hover:bg-stone-50 disabled:opacity-50";
const primary = "rounded-lg bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-60";

function StatusBadge({ status }: { status: string }) {
  const tone =
    status === "pending" || status === "active"
      ? "bg-emerald-50 text-emerald-800"
      : status === "accepted"
        ? "bg-indigo-50 text-indigo-800"
        : "bg-stone-100 text-stone-600";
  return <span className={`rounded-full px-2 py-0.5 text-xs ${tone}`}>{status}</span>;
}

/** A link shown once, with a copy button. */
function CopyField({ label, url }: { label: string; url: string }) {
  return (
    <div className="rounded-lg border border-indigo-200 bg-indigo-50 p-2.5">
      <p className="text-xs text-indigo-900">{label}</p>
      <div className="mt-1.5 flex">
        <CopyText url={url} label="Link to copy" testId="new-link" />
      </div>
    </div>
  );
}

function ExpirySelect({ value, onChange, name }: { value: number; onChange: (hours: number) => void; name: string }) {
  return (
    <label className="text-sm text-stone-700">
      <span className="sr-only">{name}</span>
      <select value={value} onChange={(e) => onChange(Number(e.target.value))} className={select} aria-label={name}>
        {EXPIRY_CHOICES.map(([hours, text]) => (
          <option key={hours} value={hours}>
            expires in {text}
          </option>
        ))}
      </select>
    </label>
  );
}

function RoleSelect({ value, onChange, label }: { value: GrantedRole; onChange: (role: GrantedRole) => void; label: string }) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value as GrantedRole)} className={select} aria-label={label}>
      <option value="editor">Editor ({ROLE_HELP.editor})</option>
      <option value="viewer">Viewer ({ROLE_HELP.viewer})</option>
    </select>
  );
}

/**
 * Who can see and change a world (catalogue A3): visibility, members and their roles,
 * invitations, and share links. Owners manage it all; other members see who is in the world.
 * `children` is a slot at the bottom for further sharing sections (embeds).
 */
export function ShareDialog({
  open,
  world,
  userId,
  onWorldChange,
  onClose,
  children,
}: {
  open: boolean;
  world: EditorWorld;
  userId: string;
  onWorldChange: (world: EditorWorld) => void;
  onClose: () => void;
  children?: ReactNode;
}) {
  const isOwner = world.role === "owner";
  const [members, setMembers] = useState<Member[] | null>(null);
  const [invitations, setInvitations] = useState<Invitation[]>([]);
  const [links, setLinks] = useState<ShareLink[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [fresh, setFresh] = useState<{ label: string; url: string; section: "people" | "links" } | null>(null);
  const [email, setEmail] = useState("");
  const [inviteRole, setInviteRole] = useState<GrantedRole>("editor");
  const [inviteExpiry, setInviteExpiry] = useState(168);
  const [linkRole, setLinkRole] = useState<GrantedRole>("viewer");
  const [linkExpiry, setLinkExpiry] = useState(168);

  const fetchAll = useCallback(
    () =>
      Promise.all([
        api<{ members: Member[] }>("GET", `/api/worlds/${world.id}/members`),
        isOwner ? api<{ invitations: Invitation[] }>("GET", `/api/worlds/${world.id}/invitations`) : null,
        isOwner ? api<{ shareLinks: ShareLink[] }>("GET", `/api/worlds/${world.id}/share`) : null,
      ]),
    [world.id, isOwner],
  );
  const show = useCallback(([people, sent, shared]: Awaited<ReturnType<typeof fetchAll>>) => {
    setMembers(people.members);
    if (sent) setInvitations(sent.invitations);
    if (shared) setLinks(shared.shareLinks);
  }, []);
  const load = useCallback(() => fetchAll().then(show), [fetchAll, show]);

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    fetchAll().then(
      (all) => !cancelled && show(all),
      (e: Error) => !cancelled && setError(e.message),
    );
    return () => {
      cancelled = true;
    };
  }, [open, fetchAll, show]);

  /** Runs one change, then reloads what the dialog shows; errors stay readable in the dialog. */
  const run = async (change: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await change();
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const setVisibility = (visibility: string) =>
    run(async () => {
      const { world: saved } = await api<{ world: EditorWorld }>("PATCH", `/api/worlds/${world.id}`, { visibility });
      onWorldChange({ ...world, ...saved });
    });

  const pending = invitations.filter((i) => i.status === "pending");
  const answered = invitations.filter((i) => i.status !== "pending").slice(0, 5);

  return (
    <Dialog title={`Share “${world.title}”`} open={open} onClose={onClose} wide>
      <div className="space-y-6">
        {error ? (
          <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        ) : null}

        <section aria-labelledby="share-visibility">
          <h3 id="share-visibility" className="font-semibold text-stone-900">
            Who can see it
          </h3>
          <fieldset className="mt-2 grid gap-2 sm:grid-cols-3" disabled={!isOwner || busy}>
            <legend className="sr-only">Visibility</legend>
            {VISIBILITIES.map((v) => (
              <label
                key={v}
                className={`flex cursor-pointer items-start gap-2 rounded-lg border border-stone-200 p-2.5 text-sm has-[:checked]:border-indigo-500 has-[:checked]:bg-indigo-50 ${isOwner ? "" : "cursor-default opacity-80"}`}
              >
                <input type="radio" name="visibility" value={v} checked={world.visibility === v} onChange={() => void setVisibility(v)} className="mt-0.5" />
                <span>
                  <span className="block font-medium">{VISIBILITY_TEXT[v]!.label}</span>
                  <span className="block text-xs text-stone-600">{VISIBILITY_TEXT[v]!.help}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <p className="mt-2 text-xs text-stone-600">
            Whichever you choose, only the people below can change the world, and secrets are shown only to its owner and editors.
          </p>
          {!isOwner ? <p className="mt-1 text-xs text-stone-500">Only the owner can change who sees the world.</p> : null}
          <PublicPage world={world} />
        </section>

        <section aria-labelledby="share-people">
          <h3 id="share-people" className="font-semibold text-stone-900">
            People
          </h3>
          {members === null ? (
            <p className="mt-2 text-sm text-stone-500">Loading…</p>
          ) : (
            <ul className="mt-2 divide-y divide-stone-100 rounded-lg border border-stone-200" aria-label="Members">
              {members.map((m) => (
                <li key={m.userId} className="flex flex-wrap items-center gap-x-3 gap-y-1.5 px-3 py-2" data-testid="member">
                  <span className="min-w-[9rem] flex-1">
                    <span className="block truncate text-sm font-medium">
                      {m.name}
                      {m.userId === userId ? <span className="font-normal text-stone-500"> (you)</span> : null}
                    </span>
                    {m.email ? <span className="block truncate text-xs text-stone-500">{m.email}</span> : null}
                  </span>
                  {m.role === "owner" ? (
                    <span className="text-sm text-stone-600">Owner</span>
                  ) : isOwner ? (
                    <>
                      <RoleSelect
                        value={m.role}
                        label={`Role of ${m.name}`}
                        onChange={(role) => void run(async () => void (await api("PATCH", `/api/worlds/${world.id}/members/${m.userId}`, { role })))}
                      />
                      <button
                        type="button"
                        disabled={busy}
                        className={`${smallButton} hover:bg-red-50`}
                        onClick={() => void run(async () => void (await api("DELETE", `/api/worlds/${world.id}/members/${m.userId}`)))}
                      >
                        Remove
                      </button>
                    </>
                  ) : (
                    <span className="text-sm capitalize text-stone-600">{m.role}</span>
                  )}
                  {!isOwner && m.userId === userId && m.role !== "owner" ? (
                    <button
                      type="button"
                      disabled={busy}
                      className={`${smallButton} hover:bg-red-50`}
                      onClick={() =>
                        void run(async () => {
                          await api("DELETE", `/api/worlds/${world.id}/members/${m.userId}`);
                          window.location.assign("/worlds");
                        })
                      }
                    >
                      Leave
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          )}

          {isOwner ? (
            <>
              <form
                className="mt-3 flex flex-wrap items-center gap-2"
                onSubmit={(event) => {
                  event.preventDefault();
                  void run(async () => {
                    const { invitation, url } = await api<{ invitation: Invitation; url: string }>("POST", `/api/worlds/${world.id}/invitations`, {
                      email,
                      role: inviteRole,
                      expiresInHours: inviteExpiry,
                    });
                    setEmail("");
                    setFresh({
                      label: `Invitation for ${invitation.email} created. It waits on their dashboard when they sign in with that address (no email is sent), or send them this link:`,
                      url,
                      section: "people",
                    });
                  });
                }}
              >
                <input
                  type="email"
                  required
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                  placeholder="friend@example.com"
                  aria-label="Email to invite"
                  className="min-w-0 flex-1 basis-48 rounded-lg border border-stone-300 px-3 py-1.5 text-sm"
                />
                <RoleSelect value={inviteRole} onChange={setInviteRole} label="Role for the invitation" />
                <ExpirySelect value={inviteExpiry} onChange={setInviteExpiry} name="Invitation expiry" />
                <button type="submit" disabled={busy} className={primary}>
                  Invite
                </button>
              </form>

              {pending.length + answered.length > 0 ? (
                <ul className="mt-3 space-y-1.5 text-sm" aria-label="Invitations">
                  {[...pending, ...answered].map((i) => (
                    <li key={i.id} className="flex flex-wrap items-center gap-x-2 gap-y-1">
                      <span className="min-w-[9rem] flex-1 truncate">{i.email ?? "Invitation link"}</span>
                      <span className="text-xs text-stone-600">{i.role}</span>
                      <StatusBadge status={i.status} />
                      {i.status === "pending" ? (
                        <Revocable expiresAt={i.expiresAt} busy={busy} onRevoke={() => void run(async () => void (await api("DELETE", `/api/worlds/${world.id}/invitations/${i.id}`)))} />
                      ) : null}
                    </li>
                  ))}
                </ul>
              ) : null}
            </>
          ) : null}
          {fresh?.section === "people" ? <div className="mt-3"><CopyField label={fresh.label} url={fresh.url} /></div> : null}
        </section>

        {isOwner ? (
          <section aria-labelledby="share-links">
            <h3 id="share-links" className="font-semibold text-stone-900">
              Links
            </h3>
            <p className="mt-1 text-xs text-stone-600">
              A <strong>share link</strong> opens the world with its role for whoever holds it (viewers need no account). An <strong>invitation link</strong> makes
              one signed-in person a member.
            </p>
            <div className="mt-2 flex flex-wrap items-center gap-2">
              <RoleSelect value={linkRole} onChange={setLinkRole} label="Role for the link" />
              <ExpirySelect value={linkExpiry} onChange={setLinkExpiry} name="Link expiry" />
              <button
                type="button"
                disabled={busy}
                className={primary}
                onClick={() =>
                  void run(async () => {
                    const { shareLink } = await api<{ shareLink: ShareLink & { url: string } }>("POST", `/api/worlds/${world.id}/share`, {
                      role: linkRole,
                      expiresInHours: linkExpiry,
                    });
                    setFresh({ label: `Share link (${linkRole}) created. Copy it now: it is shown only once.`, url: shareLink.url, section: "links" });
                  })
                }
              >
                Create share link
              </button>
              <button
                type="button"
                disabled={busy}
                className={smallButton}
                onClick={() =>
                  void run(async () => {
                    const { url } = await api<{ url: string }>("POST", `/api/worlds/${world.id}/invitations`, { role: linkRole, expiresInHours: linkExpiry });
                    setFresh({ label: `Invitation link (${linkRole}) created. Copy it now: it is shown only once, and one person can accept it.`, url, section: "links" });
                  })
                }
              >
                Create invitation link
              </button>
            </div>
            {fresh?.section === "links" ? <div className="mt-3"><CopyField label={fresh.label} url={fresh.url} /></div> : null}
            {links.length > 0 ? (
              <ul className="mt-3 space-y-1.5 text-sm" aria-label="Share links">
                {links.slice(0, 10).map((link) => (
                  <li key={link.id} className="flex flex-wrap items-center gap-x-2 gap-y-1" data-testid="share-link">
                    <span className="min-w-0 flex-1">Share link · {link.role}</span>
                    <StatusBadge status={link.status} />
                    {link.status === "active" ? (
                      <Revocable expiresAt={link.expiresAt} busy={busy} onRevoke={() => void run(async () => void (await api("DELETE", `/api/worlds/${world.id}/share/${link.id}`)))} />
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : null}
          </section>
        ) : null}

        {children}
      </div>
    </Dialog>
  );
}

/** The world's public page (`/w/:id`): its address to copy and a way to open it, once it has one. */
function PublicPage({ world }: { world: EditorWorld }) {
  const path = `/w/${world.id}`;
  if (world.visibility === "private") {
    return (
      <p className="mt-3 rounded-lg border border-dashed border-stone-300 px-3 py-2 text-xs text-stone-600">
        A private world has no public page. Make it unlisted or public to give it one that anyone with the link can read.
      </p>
    );
  }
  return (
    <div className="mt-3 rounded-lg border border-emerald-200 bg-emerald-50 p-2.5" role="group" aria-label="Public page">
      <p className="text-xs text-emerald-950">
        <strong>Public page</strong>
        {world.visibility === "public" ? " — listed in the gallery; anyone can read it here:" : " — not listed anywhere; anyone you send this link to can read it:"}
      </p>
      <div className="mt-1.5 flex flex-wrap gap-2">
        <CopyText url={path} label="Public page address" />
        <a href={path} target="_blank" rel="noopener" className="rounded-lg border border-emerald-300 bg-white px-3 py-1.5 text-sm font-medium text-emerald-900 hover:bg-emerald-100">
          Open the public page
        </a>
      </div>
    </div>
  );
}

/** A read-only address with a Copy button (selects it where the clipboard is closed). */
function CopyText({ url, label, testId }: { url: string; label: string; testId?: string }) {
  const [copied, setCopied] = useState(false);
  const full = typeof window === "undefined" ? url : new URL(url, window.location.origin).toString();
  const field = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(full);
      setCopied(true);
    } catch {
      field.current?.select();
    }
  };
  return (
    <span className="flex min-w-0 flex-1 basis-56 gap-2">
      <input
        ref={field}
        readOnly
        value={full}
        aria-label={label}
        data-testid={testId}
        onFocus={(e) => e.currentTarget.select()}
        className="min-w-0 flex-1 rounded-md border border-stone-300 bg-white px-2 py-1 font-mono text-xs"
      />
      <button type="button" onClick={() => void copy()} className={primary}>
        {copied ? "Copied" : "Copy"}
      </button>
    </span>
  );
}

/** When a live invitation or link runs out, and the button that ends it now. */
function Revocable({ expiresAt, busy, onRevoke }: { expiresAt: string; busy: boolean; onRevoke: () => void }) {
  return (
    <>
      <span className="text-xs text-stone-500">expires {untilText(expiresAt)}</span>
      <button type="button" disabled={busy} className={smallButton} onClick={onRevoke}>
        Revoke
      </button>
    </>
  );
}
