import { OFF_WORDS, ON_WORDS } from './lexicon';
import type { ClaimRules } from './types';

const any = (...patterns: string[]): RegExp[] => patterns.map((p) => new RegExp(`\\b(?:${p})\\b`));

/**
 * Claim rules of the reference backend (apps/gateway/catalog/acme.tools.yaml) in English, French, German and Spanish.
 * Topics a verified write proves follow what its read-back re-reads; `fixed` ("it's fixed", "resolved", "working
 * again") is proven by any verified write that addressed the ticket, or by a passed success check that carries it.
 * The last topics (password, subscription, …) are things no write of this catalogue can do: they are recognised only so
 * that a sentence claiming one of them next to a proven topic is still caught.
 *
 * @example
 * reviewReply(reply, facts, { rules: { ...DEFAULT_RULES, writeTopics: { ...DEFAULT_RULES.writeTopics, reset_password: ['password', 'fixed'] } } });
 */
export const DEFAULT_RULES: ClaimRules = {
  writeTopics: {
    reset_tenant_cache: ['cache', 'dashboard', 'fixed'],
    unlock_account: ['account_unlock', 'fixed'],
    issue_refund: ['refund', 'fixed'],
    extend_trial: ['trial', 'fixed'],
    set_feature_flag: ['feature_flag', 'fixed'],
  },
  resultTopics: ['dashboard', 'fixed'],
  context: any('(?:login|log-in|sign[- ]in|sign[- ]on) (?:page|screen|button|link|form|prompt)', 'page de connexion', 'anmeldeseite', 'pagina de inicio de sesion'),
  subjects: [
    {
      topic: 'feature_flag',
      nameField: 'flag',
      stateField: 'enabled',
      names: [
        { value: 'sso', patterns: any(`(?:log|sign)(?:ged)? ?(?:in|on) (?:with|through|via|using) [^.;]{0,30}(?:identity provider|idp|sso|single sign[- ]on)`, '(?:company|corporate|work|enterprise) (?:login|account|credentials|identity)', 'sso', 'single sign[- ]on', 'identity provider', 'idp', 'authentification unique', 'inicio de sesion unico', 'einmalanmeldung') },
        { value: 'new-dashboard', patterns: any('new[- ]dashboard', 'nouveau tableau de bord', 'neue[sn]? dashboard', 'nuevo panel') },
        { value: 'audit-export', patterns: any('audit[- ]exports?') },
        { value: 'beta-reports', patterns: any('beta[- ]reports?') },
      ],
      on: ON_WORDS,
      off: OFF_WORDS,
    },
  ],
  topics: [
    { topic: 'feature_flag', patterns: any('feature[- ]flags?', 'flags?', 'features?', 'fonctionnalites?', 'funktion(?:en)?', 'funcion(?:alidad)?(?:es)?') },
    { topic: 'two_factor', patterns: any('two[- ]factor(?: authentication)?', '2fa', 'mfa', 'zwei-faktor\\S*', 'deux facteurs', 'dos pasos', 'doble factor') },
    { topic: 'password', patterns: any('passwords?', 'mot de passe', 'passwort', 'kennwort', 'contrasena') },
    { topic: 'cache', patterns: any('cache[sd]?', 'caching', 'stale data', 'zwischenspeicher') },
    { topic: 'dashboard', patterns: any('dashboards?', 'tableaux? de bord', 'panel(?:es)?', 'start ?page', 'home ?(?:screen|page)', 'charts?', 'graphs?', 'analytics', 'reports? page', 'statistics', 'metrics', 'widgets?', 'reports? (?:load|show|display|appear|render)\\w*', 'blank page', 'page blanche', 'leere seite', 'pagina en blanco', 'startseite', 'ubersicht', 'tablero') },
    { topic: 'account_unlock', patterns: any('(?:account|compte|konto|cuenta|user) (?:is |was |est |ist |esta )?(?:now |again |wieder |de nouveau |ya )?(?:active|activo|activa|actif|aktiv|accessible|usable|reactivated|available|zuganglich)', 'unlock\\w*', 'unblock\\w*', 'lock(?:ed|out|s)?', 'locked out', '(?:log|sign)(?:ged)? ?(?:in|on)', 'login', 'sign-in', 'access', 'failed[- ]attempts?', 'credentials', 'debloque\\w*', 'deverrouille\\w*', 'reconnecter', 'connecter', 'connexion', 'entsperr\\w*', 'gesperrt', 'sperre', 'anmelden', 'anmeldung', 'einloggen', 'desbloque\\w*', 'bloqueos?', 'iniciar sesion', 'acceso') },
    { topic: 'refund', patterns: any('refund\\w*', 'reimburs\\w*', 'money (?:is |went )?(?:back|on its way)', 'on its way back', '(?:sent|paid|given|transferred|returned) back', 'returned to you', 'went back to your (?:card|account|bank)', 'revers(?:ed|al)', 'credited', 'credit(?:ed)? (?:back|to)', 'remaining', 'rembours\\w*', 'erstatt\\w*', 'ruckerstatt\\w*', 'gutgeschrieben', 'reembols\\w*', 'devolucion', 'devuelto') },
    { topic: 'trial', patterns: any('trials?', 'evaluat\\w*', "periode d'essai", 'essai', 'testphase', 'testzeitraum', 'testversion', 'periodo de prueba', 'prueba', 'extra time') },
    { topic: 'subscription', patterns: any('subscriptions?', 'plan', 'upgrad\\w*', 'downgrad\\w*', 'fees?', 'abonnement', 'abo', 'suscripcion', 'tarif') },
    { topic: 'billing', patterns: any('(?:updated|changed|replaced|removed|corrected) (?:the |your )?(?:billing )?(?:address|payment method|billing details)', 'billing address', 'invoices? (?:was|were|has been|have been) (?:not )?\\w+ed', '(?:deleted|voided|cancell?ed|corrected|removed) (?:the |your )?(?:duplicate )?invoices?') },
    { topic: 'data', patterns: any('backups?', 'restored from', 'data (?:has been|was|is) (?:restored|recovered)') },
    { topic: 'team', patterns: any('invit\\w*', 'added (?:\\w+ )*as admins?') },
    { topic: 'escalation', patterns: any('escalat\\w*', 'engineering', 'forwarded', 'passed (?:it|this) (?:on|to)') },
    { topic: 'service', patterns: any('outage', 'services? (?:is|are) (?:operational|up|running)', 'incident') },
    { topic: 'fixed', patterns: any('fix(?:ed|es)?', 'resolved', 'solved', 'sorted', 'done', 'all set', 'good to go', 'working', 'works', 'up and running', 'back to normal', 'taken care of', 'took care', '(?:problem|issue) (?:is )?(?:gone|closed)', 'restored', 'running smoothly', 'completed?', 'processed', 'bottom of it', 'regle', 'resolu', 'repare', 'retabli', 'restaure', 'fonctionne', 'marche', 'en ordre', 'behoben', 'erledigt', 'gelost', 'funktioniert', 'wiederhergestellt', 'in ordnung', 'resuelto', 'solucionado', 'arreglado', 'funciona\\w*', 'restablecid[oa]', 'listo', 'risolto', 'resolvido', 'opgelost') },
  ],
  identifiers: [
    // Bounded like RFC 5321's local part and labels, so a long run of letters costs linear time, not quadratic.
    /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){1,8}/gu,
    /\b(?:inv|usr|ref|cus|sub|acct|acc|org|ten|tenant|user|ch|pi|in|re|txn|ord)_[A-Za-z0-9_]+\b/g,
    /\b[A-Z][A-Z0-9]{0,9}-\d+\b/g,
  ],
  tenantNouns: [
    'cache', 'caches', 'admin', 'admins', 'administrator', 'settings', 'account', 'accounts', 'data', 'level', 'id', 'name', 'users', 'user',
    'dashboard', 'configuration', 'workspace', 'owner', 'plan', 'flags', 'invoices', 'events', 'the', 'and', 'or', 'but', 'is', 'are', 'as',
    'has', 'have', 'had', 'was', 'were', 'for', 'from', 'to', 'of', 'in', 'on', 'at', 'by', 'with', 'under', 'via', 'so', 'too', 'also', 'now',
    'again', 'itself', 'never', 'always', 'still', 'only', 'just', 'already', 'then', 'can', 'cannot', 'will', 'must', 'should', 'may', 'might',
    'does', 'did', 'gets', 'got', 'needs', 'that', 'which', 'who', 'whose', 'des', 'est', 'les', 'pour', 'avec', 'dans', 'und', 'ist', 'wurde', 'mit', 'fur', 'von', 'del', 'para', 'con', 'que',
  ],
};
