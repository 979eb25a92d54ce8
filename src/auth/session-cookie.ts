import type { FastifyReply, FastifyRequest } from 'fastify';

/** `Set-Cookie: session_id=...; HttpOnly; SameSite=Lax; Path=/` (+ `Secure` over HTTPS). */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, sessionId: string, maxAgeSeconds: number) {
  reply.setCookie('session_id', sessionId, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: request.protocol === 'https',
    maxAge: maxAgeSeconds,
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply) {
  reply.clearCookie('session_id', { httpOnly: true, sameSite: 'lax', path: '/', secure: request.protocol === 'https' });
}
