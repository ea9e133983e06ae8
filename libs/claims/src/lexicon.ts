// Language data of the claim checker (English, French, German, Spanish), matched on folded text (lower case, no
// accents, straight quotes: see fold()). Two lists matter: what makes a sentence recognisably neutral, and what marks
// a statement as a claim even inside a neutral frame ("thanks for waiting, we have reset your cache"). Anything that
// is neither is treated as a claim (fail closed), so a gap in these lists costs precision, never recall.

const words = (list: string): string => list.trim().split(/\s*\|\s*/).join('|');

/** A greeting or an opener with no content of its own ("Hi Anna,", "Good news:"); stripped before classifying. */
export const OPENER = new RegExp(
  `^(?:(?:${words(`hi | hello | hey | dear | good (?:morning|afternoon|evening) | greetings | good news | great news | update
    | bonjour | bonsoir | salut | cher | chere | madame | monsieur | bonne nouvelle
    | hallo | guten (?:tag|morgen|abend) | sehr geehrte[rs]? | liebe[rs]? | gute nachrichten? | moin
    | hola | buenos dias | buenas (?:tardes|noches) | estimad[oa]s? | buenas noticias`)})(?:\\s+[\\p{L}.'-]+){0,3}\\s*[,!:.]+\\s*)+`,
  'u',
);

/** An instruction or how-to step addressed to the customer, starting with its imperative verb ("Open Settings…"). */
export const INSTRUCTION = new RegExp(`^(?:[\\p{L}]+,\\s+)?(?:please\\s+|simply\\s+|just\\s+|then\\s+|now\\s+)?(?:${words(`open | go | click | choose | select | enter | type | use | try | reload | refresh | clear | remember | note that | make sure | navigate | visit | sign in to | log in to | contact | write | email | call | check | see | follow | toggle | turn | switch | enable | disable | upload | download | add | remove | invite | set | reset | request | confirm | save | find | enjoy
    | here is how | here's how | here are the steps | to do this | in future | in the future | next time
    | ouvrez | allez | cliquez | choisissez | selectionnez | saisissez | utilisez | essayez | rechargez | veuillez | pensez a | consultez
    | offnen sie | gehen sie | klicken sie | wahlen sie | geben sie | verwenden sie | nutzen sie | versuchen sie | laden sie | bitte
    | abra | vaya | haga clic | seleccione | elija | introduzca | use | utilice | intente | escriba | contacte | active | desactive | recuerde | consulte`)})\\b`, 'u');

/** Sentence frames that assert nothing about the customer's systems. */
export const NEUTRAL_FRAMES: RegExp[] = [
  // thanks, apologies, closings and sign-offs
  new RegExp(`^(?:${words(`thanks? | thank you | many thanks | much appreciated | (?:great|good|excellent) question | sorry | apologies | we apologi[sz]e | i apologi[sz]e | we are sorry | i'm sorry | we're sorry
    | best | best regards | kind regards | regards | cheers | sincerely | warm regards | all the best | have a (?:great|good|nice) (?:day|week|weekend|one) | take care
    | merci | desole | nous (?:nous )?excusons | excusez | cordialement | bien a vous | bonne (?:journee|soiree) | salutations | meilleures salutations
    | danke | vielen dank | herzlichen dank | besten dank | entschuldigung | es tut uns leid | wir entschuldigen uns | mit freundlichen grussen | freundliche grusse | viele grusse | beste grusse | schonen (?:tag|abend)
    | gracias | muchas gracias | lo sentimos | disculpe | disculpas | perdon | saludos | atentamente | un saludo | cordiales saludos | que tenga un buen dia`)})\\b`),
  // offers and invitations to come back
  new RegExp(`\\b(?:${words(`let (?:us|me) know | feel free | don't hesitate | do not hesitate | happy to help | glad to help | we're here | we are here to help | reach out
    | get back to us | reply to this (?:email|message|ticket) | just reply | if you need (?:more|any|further) help | if you have (?:any )?(?:other |more |further )?questions | that will help us | this will help us | hope this helps | we(?:'ll| will) (?:look into it|get back to you|follow up)
    | n'hesitez pas | si vous avez (?:d'autres |des )?questions | nous restons a votre disposition | tenez-nous au courant | recontacter
    | melden sie sich | bei (?:weiteren )?fragen | zogern sie nicht | wir helfen (?:ihnen )?gerne | stehen (?:ihnen )?(?:gerne )?zur verfugung
    | si tiene (?:mas |alguna |otra )?(?:preguntas|dudas|pregunta|duda) | estamos a su disposicion | quedamos a su disposicion | no dude en | estaremos encantados`)})\\b`),
  INSTRUCTION,
  new RegExp(`\\b(?:${words(`you can | you may | you could | you'll need | you will need | you need to | you just need to | you'd need | you should be able to find | you'll find | you will find
    | admins? can | users? can | members? can | owners? can | anyone can | everyone can
    | vous pouvez | vous devez | il suffit de | vous trouverez
    | sie konnen | sie mussen | sie finden | konnen sie
    | (?:usted )?puede | (?:usted )?debe | encontrara`)})\\b`),
  // a purpose or condition followed by an instruction: "To invite a member, open…", "If the page is blank, try…"
  /^(?:to|pour|um|para|if|si|wenn|falls)\s[^,]{1,80},\s/,
  // general information: frequency adverbs and modal passives ("refunds usually appear…", "trials can be extended…")
  /\b(?:usually|typically|normally|generally|in general|as a rule|(?:can|may|could|must) (?:only |not |also )?be|can take|may take|each (?:day|week|month|year)|every (?:day|week|month|year)|monthly|weekly|daily|by default|chaque mois|jeden monat|cada mes|habituellement|generalement|peut prendre|in der regel|normalerweise|kann|konnen bis zu|normalmente|generalmente|puede tardar|suele)\b/,
  // the customer's own report, restated ("you were charged twice", "you reported…")
  /^(?:[\p{L}]+,\s+)?you(?:'ve|'re| have| were| are| had| got)? (?:been |still )?(?:charged|billed|double[- ]charged|locked out|logged out|unable|not able|seeing|getting|experiencing|having (?:trouble|issues|problems))\b/u,
  // a refusal or limit of what we can do asserts no change
  /\b(?:i|we)(?: really)? (?:can't|cannot|can not|am unable|are unable|'m unable|'re unable|am not able|are not able|'m not able|'re not able|'m afraid|am afraid)\b|\b(?:je ne peux pas|nous ne pouvons pas|(?:wir|ich) (?:konnen|kann) (?:leider )?nicht|no (?:podemos|puedo))\b/,
  // a path in the product's UI ("from Settings → Users")
  /→|\s->\s/,
  // where something is in the product ("SSO lives under Settings → Security")
  /\b(?:is|are|lives?|sits?|located|found|se trouve|se trouvent|befindet sich|befinden sich|se encuentra|se encuentran|esta|estan)\b[^.;]{0,40}\b(?:under|in|at|on|from|dans|sous|unter|im|en|desde)\b[^.;]{0,30}(?:→|settings|menu|page|tab|parametres|einstellungen|configuracion|ajustes)/,
  /\b(?:you (?:reported|mentioned|said|wrote|told us|described|noticed|asked)|as you (?:said|described|mentioned|noted)|vous (?:nous )?avez (?:signale|indique|ecrit|mentionne)|sie haben (?:uns )?(?:gemeldet|geschrieben|mitgeteilt|erwahnt)|wie sie (?:beschrieben|geschrieben)|(?:usted )?nos (?:informo|indico|escribio)|como nos indico)\b/,
];

/** Statements inside any frame that still assert a change: first-person actions, passives, perfects, promises. */
export const CHANGE_MARKERS: RegExp[] = [
  // en: "we reset", "I've enabled", "we also turned off", "our team fixed", "they fixed" (reading is not changing:
  // "I checked", "we looked into" are left to the topics they mention)
  /\b(?:we|i|our (?:team|engineers|support)|they)(?:'ve|'d| have| has| had)?(?: (?:also|just|already|now|successfully|quickly|since|then|finally|manually|went ahead and))* (?:(?!(?:need|feed|proceed|succeed|exceed|embed|speed|checked|looked|reviewed|investigated|verified|confirmed|noticed|analy[sz]ed|examined|inspected|tested|traced|reproduced|asked|wanted|needed|hoped)\b)\w+ed|reset|rebuilt|set|sent|made|gave|took|got|did|put|ran|cut|went|undid|redid|upped|brought|built)\b/,
  // en: a first-person subject's second verb ("we found the problem and fixed it")
  /\b(?:we|i)\b(?:(?!\b(?:you|your)\b)[^.;,]){0,60}\band (?:also |then )?(?:(?!(?:need|feed|proceed|succeed|exceed|embed|speed|checked|looked|reviewed|verified|confirmed|noticed)\b)\w+ed|reset|rebuilt|set|sent|made|gave|took|got|did|put|ran|cut|built)\b/,
  // en passive / perfect: "has been unlocked", "was reset", "were refunded"
  /(?<!\byou )\b(?:has|have|had) (?:now |also |already |successfully |just )*been\b/,
  /(?<!\byou )\b(?:was|were) (?:now |also |already |successfully |just |since )*(?:(?!(?:needed|required|expected|supposed|asked|reported|caused)\b)\w+ed|reset|rebuilt|set|sent|made|undone|done|taken)\b/,
  // en promises of a change: "we will refund", "I'll unlock"
  /\b(?:we|i)(?:'ll| will| shall| are going to| am going to)(?: \w+)? (?:refund|extend|unlock|reset|clear|enable|disable|activate|fix|resolve|restore|credit|process|issue|turn|switch|upgrade|send|update|rebuild|flush|remove|delete|apply)\b/,
  // fr: "nous avons…", "j'ai…", "a été…", "on a…"
  /\b(?:nous avons|nous l'avons|j'ai|je l'ai|on a|l'equipe a|avons|(?:a|ont|est|sont) (?:bien |deja )?ete)\b/,
  // de: "wir haben…", "ich habe…", "wurde…", "ist … worden"
  /\b(?:wir haben|ich habe|haben wir|habe ich|wurde|wurden|worden|wir konnten)\b/,
  // es: "hemos…", "he …ado", "ha sido…", "se ha…"
  /\b(?:hemos|he \w+(?:ado|ido)|ha sido|han sido|fue|fueron|se ha|se han|lo hemos)\b/,
];

/** Words that assert a state or outcome of the customer's systems even in a neutral frame ("you can sign in again"). */
export const STATE_MARKERS: RegExp[] = [
  /\b(?:again|once more|anymore|any more|no longer|is back|are back|is now|are now|now (?:\w+s|\w+ing|live|active|on|off|enabled|disabled|fresh|unlocked)|already|all set|good to go|up and running|back to normal|taken care)\b/,
  /\b(?:fixed|resolved|solved|sorted|restored|reinstated|unlocked|unblocked|refunded|reimbursed|credited|extended|prolonged|enabled|disabled|activated|deactivated|cleared|flushed|purged|rebuilt|refreshed|reversed|processed|issued|lifted|upgraded|downgraded|deleted|removed|updated|applied|completed|changed|switched|turned|toggled|waived|invited|exported|escalated|done)\b/,
  /\b(?:de nouveau|a nouveau|desormais|maintenant|regle|resolu|repare|retabli|restaure|debloque|deverrouille|rembourse|prolonge|active|desactive|reinitialise|vide)\b/,
  /\b(?:wieder|jetzt|nun|behoben|erledigt|gelost|entsperrt|erstattet|verlangert|aktiviert|deaktiviert|zuruckgesetzt|geleert|wiederhergestellt)\b/,
  /\b(?:ya|de nuevo|otra vez|nuevamente|vuelve a|ahora|resuelto|solucionado|arreglado|desbloquead[oa]|reembolsad[oa]|ampliad[oa]|prorrogad[oa]|activad[oa]|desactivad[oa]|restablecid[oa])\b/,
];

/** Words for "turned on" and "turned off", used to check the direction a flag claim states. */
export const ON_WORDS: RegExp[] = [
  /\b(?:enabled?|turned on|switched on|activated?|is on|are on|now on|live|aktiviert|eingeschaltet|active|activee?|activad[oa]|habilitad[oa]|encendid[oa])\b/,
];
export const OFF_WORDS: RegExp[] = [
  /\b(?:disabled?|turned off|switched off|deactivated?|is off|are off|now off|\boff\b|deaktiviert|ausgeschaltet|desactivee?|desactivad[oa]|deshabilitad[oa]|apagad[oa])\b/,
];

/** Who a clause is about: the customer (you, your…) or us (we, I…). A clause about neither is impersonal. */
export const PERSON = /\b(?:you|your|yours|you're|you've|you'll|we|we're|we've|we'll|i|i'm|i've|i'll|us|vous|votre|vos|nous|je|j'ai|sie|ihr|ihre|ihren|ihnen|ihrem|ihres|wir|uns|ich|usted|ustedes|su|sus|tu|tus|te|nosotros|hemos|yo)\b/;
