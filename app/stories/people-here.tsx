import type { StoryPerson } from "./use-story-room";

/** Who is in the story now (from awareness): one dot per person, their name on hover and for screen readers. */
export function PeopleHere({ people }: { people: StoryPerson[] }) {
  return (
    <ul className="ml-auto flex -space-x-1" aria-label="People in this story" data-testid="story-people">
      {people.map((person) => (
        <li
          key={person.clientId}
          title={`${person.name}${person.self ? " (you)" : ""}`}
          aria-label={`${person.name}${person.self ? " (you)" : ""}`}
          className="flex h-7 w-7 items-center justify-center rounded-full border-2 border-white text-xs font-bold text-white"
          style={{ backgroundColor: person.color }}
        >
          {person.name.slice(0, 1).toUpperCase()}
        </li>
      ))}
    </ul>
  );
}
