// The new-program form's own checks: every problem at once, each in the form's words (its
// labels, not the API's field names). The API checks the same again and refuses what slips by.

/** The form's label for each CreateProgramInput field. */
export const LABELS = {
  name: "Name",
  goal: "Goal",
  level: "Level",
  daysPerWeek: "Days per week",
  weeks: "Weeks",
  minutesPerSession: "Minutes per session",
  startDate: "Start date",
  equipment: "Equipment",
};

export const RANGES = { daysPerWeek: [1, 7], weeks: [1, 52], minutesPerSession: [15, 240] };
const MAX_NAME_LENGTH = 200;

/** "4" -> 4; "4.5", "4e1", "" or "four" -> null: only whole numbers, as typed. */
function wholeNumber(raw) {
  const text = String(raw ?? "").trim();
  return /^\d+$/.test(text) ? Number(text) : null;
}

/**
 * @param {FormData} values the form's fields
 * @returns {{input: object, errors: Array<[string, string]>}} the mutation's input, and
 *   [field, message] for every field that is wrong (empty when the input may be sent)
 */
export function checkProgram(values) {
  const errors = [];
  const name = String(values.get("name") || "");
  if (!name.trim() || name.trim().length > MAX_NAME_LENGTH) {
    errors.push(["name", `${LABELS.name} must be 1 to ${MAX_NAME_LENGTH} characters.`]);
  }
  const input = {
    name,
    goal: values.get("goal"),
    level: values.get("level"),
    equipment: values.getAll("equipment"),
    startDate: values.get("startDate") || null,
  };
  for (const [field, [min, max]] of Object.entries(RANGES)) {
    const n = wholeNumber(values.get(field));
    if (n === null) errors.push([field, `${LABELS[field]} must be a whole number from ${min} to ${max}.`]);
    else if (n < min || n > max) errors.push([field, `${LABELS[field]} must be from ${min} to ${max}.`]);
    input[field] = n;
  }
  return { input, errors };
}

/** An API error message with its field's name put in the form's words: "daysPerWeek must be
 * 1 to 7" -> "Days per week must be 1 to 7". */
export function inFormWords(field, message) {
  const label = LABELS[field];
  return label && message.startsWith(field) ? `${label}${message.slice(field.length)}` : message;
}
