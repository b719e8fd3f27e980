/** Where `npm run dev` serves n8n's editor and who signs in: shared with the demo, which points newcomers there. */

export const DEV_EDITOR_PORT = Number(process.env.N8N_PORT || 5678);
export const DEV_EDITOR_URL = `http://localhost:${DEV_EDITOR_PORT}`;

/** A local-only account on a local-only instance (n8n listens on 127.0.0.1). */
export const DEV_OWNER = {
	email: 'dev@n8n-nodes-kling.local',
	firstName: 'Local',
	lastName: 'Developer',
	password: 'KlingDev-2025',
};
