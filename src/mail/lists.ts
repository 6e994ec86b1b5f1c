/**
 * Reference lists for mail analysis: protected names (organisations and brands phishers wear,
 * with the registrable domains that really send for them), bulk-mail services (ESPs) and how to
 * recognise them, click trackers and redirectors, free hosting and URL shorteners. Defaults here;
 * `mail-scoring.yaml` (or `--config`) can add protected names for an organisation's own partners.
 */
export interface Protected {
  /** Names as they appear in display names and URLs (matched as whole words, case-insensitive). */
  readonly names: readonly string[];
  /** Registrable domains that legitimately send for this name. */
  readonly domains: readonly string[];
  /** Governments, international organisations, NGOs: a high-value identity (NOBELIUM's USAID). */
  readonly highValue?: boolean;
}

export const PROTECTED: readonly Protected[] = [
  // Government, international and non-governmental organisations.
  { names: ['USAID'], domains: ['usaid.gov'], highValue: true },
  { names: ['State Department', 'Department of State'], domains: ['state.gov'], highValue: true },
  { names: ['IRS', 'Internal Revenue Service'], domains: ['irs.gov'], highValue: true },
  { names: ['FBI'], domains: ['fbi.gov', 'ic3.gov'], highValue: true },
  { names: ['CISA'], domains: ['cisa.gov', 'dhs.gov'], highValue: true },
  { names: ['HMRC'], domains: ['gov.uk', 'hmrc.gov.uk'], highValue: true },
  { names: ['United Nations', 'UNICEF', 'UNHCR', 'UNDP', 'WHO', 'World Health Organization'], domains: ['un.org', 'unicef.org', 'unhcr.org', 'undp.org', 'who.int'], highValue: true },
  { names: ['NATO'], domains: ['nato.int'], highValue: true },
  { names: ['European Commission', 'European Union'], domains: ['europa.eu', 'ec.europa.eu'], highValue: true },
  { names: ['Red Cross', 'ICRC', 'IFRC'], domains: ['icrc.org', 'ifrc.org', 'redcross.org'], highValue: true },
  { names: ['Amnesty International'], domains: ['amnesty.org'], highValue: true },
  { names: ['World Bank'], domains: ['worldbank.org'], highValue: true },
  { names: ['IMF', 'International Monetary Fund'], domains: ['imf.org'], highValue: true },
  { names: ['OSCE'], domains: ['osce.org'], highValue: true },
  // Mail, cloud and software brands.
  { names: ['Microsoft', 'Office 365', 'Office365', 'Microsoft 365', 'Outlook', 'OneDrive', 'SharePoint', 'Teams', 'Azure'], domains: ['microsoft.com', 'office.com', 'office365.com', 'outlook.com', 'live.com', 'sharepoint.com', 'microsoftonline.com', 'azure.com', 'microsoftstore.com', 'onmicrosoft.com'] },
  { names: ['Google', 'Gmail', 'Google Drive', 'Google Docs'], domains: ['google.com', 'gmail.com', 'youtube.com', 'googlemail.com'] },
  { names: ['Apple', 'iCloud', 'Apple ID', 'iTunes'], domains: ['apple.com', 'icloud.com', 'me.com'] },
  { names: ['Amazon', 'AWS', 'Prime Video'], domains: ['amazon.com', 'amazon.de', 'amazon.co.uk', 'amazon.fr', 'amazon.it', 'amazon.es', 'amazon.com.br', 'amazonses.com', 'aws.com', 'amazon.ca', 'amazon.co.jp'] },
  { names: ['Dropbox'], domains: ['dropbox.com', 'dropboxmail.com'] },
  { names: ['DocuSign'], domains: ['docusign.com', 'docusign.net'] },
  { names: ['Adobe'], domains: ['adobe.com', 'adobesign.com', 'echosign.com'] },
  { names: ['Zoom'], domains: ['zoom.us', 'zoom.com'] },
  { names: ['WeTransfer'], domains: ['wetransfer.com'] },
  { names: ['LinkedIn'], domains: ['linkedin.com'] },
  { names: ['Facebook', 'Meta', 'Instagram', 'WhatsApp'], domains: ['facebook.com', 'facebookmail.com', 'meta.com', 'instagram.com', 'whatsapp.com'] },
  { names: ['Netflix'], domains: ['netflix.com'] },
  { names: ['Spotify'], domains: ['spotify.com'] },
  { names: ['McAfee'], domains: ['mcafee.com'] },
  { names: ['Norton', 'NortonLifeLock'], domains: ['norton.com', 'nortonlifelock.com', 'gen.com'] },
  { names: ['Yahoo'], domains: ['yahoo.com', 'yahoo.co.jp'] },
  { names: ['AOL'], domains: ['aol.com'] },
  { names: ['Webmail', 'Mail Administrator', 'Mailbox Administrator', 'IT Helpdesk', 'IT Support', 'Help Desk', 'System Administrator'], domains: [] },
  // Payments, banks, shops, carriers, telecoms.
  { names: ['PayPal'], domains: ['paypal.com', 'paypal.de', 'paypal.co.uk'] },
  { names: ['Visa'], domains: ['visa.com'] },
  { names: ['Mastercard'], domains: ['mastercard.com'] },
  { names: ['American Express', 'Amex'], domains: ['americanexpress.com', 'aexp.com'] },
  { names: ['Chase', 'JPMorgan'], domains: ['chase.com', 'jpmorgan.com', 'jpmchase.com'] },
  { names: ['Wells Fargo'], domains: ['wellsfargo.com'] },
  { names: ['Bank of America'], domains: ['bankofamerica.com', 'bofa.com'] },
  { names: ['Citibank', 'Citi'], domains: ['citi.com', 'citibank.com'] },
  { names: ['HSBC'], domains: ['hsbc.com', 'hsbc.co.uk'] },
  { names: ['Barclays'], domains: ['barclays.com', 'barclays.co.uk'] },
  { names: ['Santander'], domains: ['santander.com', 'santander.co.uk', 'santander.com.br', 'santander.de'] },
  { names: ['ING'], domains: ['ing.com', 'ing.de', 'ing.nl'] },
  { names: ['Deutsche Bank'], domains: ['db.com', 'deutsche-bank.de'] },
  { names: ['Sparkasse'], domains: ['sparkasse.de'] },
  { names: ['Commerzbank'], domains: ['commerzbank.de', 'commerzbank.com'] },
  { names: ['Bradesco'], domains: ['bradesco.com.br'] },
  { names: ['Itaú', 'Itau'], domains: ['itau.com.br'] },
  { names: ['Caixa'], domains: ['caixa.gov.br'] },
  { names: ['Banco do Brasil'], domains: ['bb.com.br'] },
  { names: ['Nubank'], domains: ['nubank.com.br'] },
  { names: ['Coinbase'], domains: ['coinbase.com'] },
  { names: ['Binance'], domains: ['binance.com'] },
  { names: ['MetaMask'], domains: ['metamask.io'] },
  { names: ['OpenSea'], domains: ['opensea.io'] },
  { names: ['Ledger'], domains: ['ledger.com'] },
  { names: ['Ripple'], domains: ['ripple.com'] },
  { names: ['eBay'], domains: ['ebay.com', 'ebay.de', 'ebay.co.uk'] },
  { names: ['Walmart'], domains: ['walmart.com'] },
  { names: ['Costco'], domains: ['costco.com'] },
  { names: ["Sam's Club"], domains: ['samsclub.com'] },
  { names: ['Home Depot'], domains: ['homedepot.com'] },
  { names: ["Lowe's"], domains: ['lowes.com'] },
  { names: ['Target'], domains: ['target.com'] },
  { names: ['Starbucks'], domains: ['starbucks.com'] },
  { names: ["McDonald's"], domains: ['mcdonalds.com'] },
  { names: ['Bath & Body Works'], domains: ['bathandbodyworks.com'] },
  { names: ['Decathlon'], domains: ['decathlon.com', 'decathlon.de', 'decathlon.fr'] },
  { names: ['IKEA'], domains: ['ikea.com'] },
  { names: ['Lidl'], domains: ['lidl.de', 'lidl.com'] },
  { names: ['Aldi'], domains: ['aldi.com', 'aldi-sued.de', 'aldi-nord.de'] },
  { names: ['Kaufland'], domains: ['kaufland.de'] },
  { names: ['MediaMarkt'], domains: ['mediamarkt.de'] },
  { names: ['Zalando'], domains: ['zalando.de', 'zalando.com'] },
  { names: ['Otto'], domains: ['otto.de'] },
  { names: ['Rossmann'], domains: ['rossmann.de'] },
  { names: ['dm'], domains: ['dm.de'] },
  { names: ['Shein'], domains: ['shein.com'] },
  { names: ['Temu'], domains: ['temu.com'] },
  { names: ['AliExpress', 'Alibaba'], domains: ['aliexpress.com', 'alibaba.com'] },
  { names: ['DHL'], domains: ['dhl.com', 'dhl.de', 'dpdhl.com'] },
  { names: ['FedEx'], domains: ['fedex.com'] },
  { names: ['UPS'], domains: ['ups.com'] },
  { names: ['USPS'], domains: ['usps.com', 'usps.gov'] },
  { names: ['Royal Mail'], domains: ['royalmail.com'] },
  { names: ['DPD'], domains: ['dpd.com', 'dpd.de', 'dpd.co.uk'] },
  { names: ['Hermes'], domains: ['hermesworld.com', 'myhermes.de'] },
  { names: ['Correios'], domains: ['correios.com.br'] },
  { names: ['La Poste', 'Colissimo'], domains: ['laposte.fr', 'laposte.net', 'colissimo.fr'] },
  { names: ['PostNL'], domains: ['postnl.nl'] },
  { names: ['Deutsche Post'], domains: ['deutschepost.de', 'dhl.de'] },
  { names: ['Deutsche Bahn'], domains: ['bahn.de', 'deutschebahn.com'] },
  { names: ['Telekom', 'T-Mobile'], domains: ['telekom.de', 't-mobile.com', 't-online.de', 'telekom.com'] },
  { names: ['Vodafone'], domains: ['vodafone.com', 'vodafone.de', 'vodafone.co.uk'] },
  { names: ['Verizon'], domains: ['verizon.com', 'verizonwireless.com'] },
  { names: ['AT&T'], domains: ['att.com', 'att.net'] },
  { names: ['Orange'], domains: ['orange.fr', 'orange.com'] },
  { names: ['Verisure'], domains: ['verisure.com', 'verisure.com.br', 'verisure.es', 'verisure.fr'] },
  { names: ['Norton'], domains: ['norton.com'] },
  { names: ['Booking.com'], domains: ['booking.com'] },
  { names: ['Airbnb'], domains: ['airbnb.com'] },
  { names: ['Uber'], domains: ['uber.com'] },
  { names: ['Steam'], domains: ['steampowered.com', 'steamcommunity.com'] },
  { names: ['Mon Compte Formation'], domains: ['moncompteformation.gouv.fr', 'gouv.fr'] },
  { names: ['Ameli', 'Assurance Maladie'], domains: ['ameli.fr'] },
  { names: ['Impots', 'impots.gouv'], domains: ['impots.gouv.fr', 'dgfip.finances.gouv.fr'] },
];

/** Free mailbox providers: a brand or institution does not write from these. */
export const FREEMAIL = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'yahoo.com', 'ymail.com', 'aol.com', 'icloud.com', 'me.com',
  'mail.com', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de', 'yandex.ru', 'yandex.com', 'mail.ru', 'protonmail.com', 'proton.me', 'zoho.com',
  'qq.com', '163.com', '126.com', 'libero.it', 'orange.fr', 'laposte.net', 't-online.de', 'free.fr', 'hotmail.fr', 'hotmail.co.uk', 'yahoo.co.uk',
  'yahoo.fr', 'bol.com.br', 'uol.com.br', 'terra.com.br', 'rediffmail.com', 'tutanota.com', 'gmx.at', 'seznam.cz', 'wp.pl', 'onet.pl', 'interia.pl',
]);

/** Bulk-mail services: how their mail shows itself (header names, DKIM / Return-Path / Message-ID domains). */
export interface Esp {
  readonly name: string;
  readonly headers: readonly string[];
  readonly domains: readonly string[];
}

export const ESPS: readonly Esp[] = [
  { name: 'Constant Contact', headers: ['x-ctct-id', 'x-roving-id', 'x-roving-campaignid'], domains: ['constantcontact.com', 'ccsend.com', 'rs6.net', 'ctctcdn.com'] },
  { name: 'Mailchimp', headers: ['x-mc-user', 'x-mailchimp-campaign'], domains: ['mcsv.net', 'mcdlv.net', 'mailchimpapp.net', 'list-manage.com', 'rsgsv.net', 'mailchimp.com', 'mandrillapp.com'] },
  { name: 'SendGrid', headers: ['x-sg-eid', 'x-sg-id'], domains: ['sendgrid.net', 'sendgrid.com'] },
  { name: 'Amazon SES', headers: ['x-ses-outgoing'], domains: ['amazonses.com'] },
  { name: 'Mailgun', headers: ['x-mailgun-sid', 'x-mailgun-tag'], domains: ['mailgun.org', 'mailgun.net', 'mg.mailgun.org'] },
  { name: 'SparkPost', headers: ['x-msfbl'], domains: ['sparkpostmail.com', 'sparkpost.com'] },
  { name: 'Campaign Monitor', headers: ['x-cmail-group'], domains: ['createsend.com', 'cmail19.com', 'cmail20.com', 'createsend1.com'] },
  { name: 'Brevo (Sendinblue)', headers: ['x-sib-id', 'x-mailin-eid'], domains: ['sendinblue.com', 'brevo.com', 'sibmail.com', 'mailin.fr'] },
  { name: 'HubSpot', headers: ['x-hs-cid'], domains: ['hubspotemail.net', 'hubspot.com', 'hs-analytics.net'] },
  { name: 'Salesforce Marketing Cloud', headers: ['x-sfmc-stack'], domains: ['exacttarget.com', 'sfmc-content.com', 's6.exacttarget.com'] },
  { name: 'Postmark', headers: ['x-pm-message-id'], domains: ['mtasv.net', 'postmarkapp.com'] },
  { name: 'Mailjet', headers: ['x-mj-mid'], domains: ['mailjet.com', 'mjt.lu'] },
  { name: 'Klaviyo', headers: ['x-kmail-relay'], domains: ['klaviyomail.com', 'klaviyo.com'] },
  { name: 'GovDelivery (Granicus)', headers: ['x-accounttype'], domains: ['govdelivery.com', 'granicus.com'] },
  { name: 'Marketo', headers: ['x-mktmaildkim', 'x-mkto-id'], domains: ['mktomail.com', 'mktoweb.com', 'mkto-lon040102.com', 'marketo.com'] },
  { name: 'Salesforce Pardot', headers: ['x-pardot-id'], domains: ['pardot.com', 'salesforce.com'] },
  { name: 'ActiveCampaign', headers: ['x-ac-mid'], domains: ['acemlna.com', 'acemlnb.com', 'acemlnc.com', 'acemlnd.com', 'activehosted.com', 'activecampaign.com'] },
  { name: 'Customer.io', headers: ['x-cio-id'], domains: ['customeriomail.com', 'customer.io'] },
  { name: 'Iterable', headers: ['x-iterable-id'], domains: ['iterable.com'] },
  { name: 'Braze', headers: ['x-braze-id'], domains: ['braze.com', 'appboy.com'] },
  { name: 'ConvertKit', headers: ['x-ck-id'], domains: ['convertkit-mail.com', 'convertkit-mail2.com', 'ck.page', 'convertkit.com'] },
  { name: 'Substack', headers: ['x-substack-post-id'], domains: ['substack.com', 'substackcdn.com'] },
  { name: 'MailerLite', headers: ['x-mailerlite-id'], domains: ['mailerlite.com', 'mlsend.com', 'mlsend2.com'] },
  { name: 'AWeber', headers: ['x-aweber-id'], domains: ['aweber.com', 'aweber.net'] },
  { name: 'GetResponse', headers: ['x-getresponse-id'], domains: ['getresponse.com', 'getresponse-mail.com', 'gr8.com'] },
  { name: 'Zoho Campaigns', headers: ['x-zcampaign-id'], domains: ['zcsend.net', 'maillist-manage.com', 'zohocampaigns.com'] },
  { name: 'Beehiiv', headers: ['x-beehiiv-id'], domains: ['beehiiv.com', 'mail.beehiiv.com'] },
  { name: 'Emarsys', headers: ['x-emarsys-id'], domains: ['emarsys.net', 'emsend.com'] },
  { name: 'Oracle Responsys', headers: ['x-rpcampaign'], domains: ['rsys2.com', 'rsys5.com', 'responsys.net'] },
  { name: 'Acoustic (Silverpop)', headers: ['x-sp-id'], domains: ['mkt41.net', 'mkt51.net', 'mkt61.net', 'silverpop.com'] },
];

/** Click trackers and redirectors: the link's real target is elsewhere (Rspamd's redirector idea). */
export const REDIRECTORS = new Set([
  'rs6.net', 'list-manage.com', 'sendgrid.net', 'ct.sendgrid.net', 'mandrillapp.com', 'mailchi.mp', 'createsend1.com', 'hubspotlinks.com', 'hs-sites.com',
  'safelinks.protection.outlook.com', 'urldefense.com', 'urldefense.proofpoint.com', 'protect-us.mimecast.com', 'protect-eu.mimecast.com',
  'linkprotect.cudasvc.com', 'clicktime.symantec.com', 'l.facebook.com', 'lnkd.in', 'click.mlsend.com',
  'exct.net', 'mjt.lu', 'awstrack.me', 'r20.rs6.net', 'links.govdelivery.com', 'mailgun.org', 'klclick.com', 'klclick1.com', 'sparkpostmail.com',
  'doubleclick.net', 'ad.doubleclick.net', 't.co', 'hubspotlinks.com', 'pardot.com', 'mktoweb.com', 'acemlna.com', 'acemlnb.com', 'customeriomail.com',
  'ck.page', 'convertkit-mail2.com', 'substack.com', 'mlsend.com', 'clicks.aweber.com', 'gr8.com', 'zcsend.net', 'maillist-manage.com', 'beehiiv.com',
  'emarsys.net', 'rsys2.com', 'rsys5.com', 'links.iterable.com', 'click.mailerlite.com', 'sendibt3.com', 'sendibt2.com', 'r.mail.hubspot.com',
]);

export const SHORTENERS = new Set([
  'bit.ly', 'tinyurl.com', 'is.gd', 'cutt.ly', 'rebrand.ly', 'ow.ly', 'buff.ly', 'shorturl.at', 'rb.gy', 't.ly', 'tiny.cc', 'bl.ink', 'short.io', 's.id',
  'v.gd', 'x.gd', 'qrco.de', 'goo.su', 'clck.ru', 'u.to', 'shorturl.asia', 'bitly.ws', 'lnk.bio', 'linktr.ee', 'surl.li', 'urlz.fr', 'shrtco.de',
]);

/** Hosting where a throwaway page goes up in a minute with no account worth keeping: phishing kits' favourites. */
export const THROWAWAY_HOSTING = [
  'web.app', 'firebaseapp.com', 'firebasestorage.googleapis.com', 'storage.googleapis.com', 'r2.dev', 'workers.dev', 'pages.dev', 'netlify.app', 'vercel.app',
  'glitch.me', 'web.core.windows.net', 'blob.core.windows.net', 'ipfs.io', 'dweb.link', 'cloudflare-ipfs.com', 'ngrok.io', 'ngrok-free.app', 'trycloudflare.com',
  'repl.co', 'replit.app', '000webhostapp.com', 'weebly.com', 'wixsite.com', 'square.site', 'godaddysites.com', 'canva.site', 'codeanyapp.com', 'backblazeb2.com',
  'digitaloceanspaces.com', 'bitbucket.io', 'surge.sh',
];

/** Free hosting and form services that legitimate senders use too (project pages, shared documents): weaker evidence. */
export const FREE_HOSTING = [
  'appspot.com', 'herokuapp.com', 'azurewebsites.net', 'github.io', 'gitlab.io', 'blogspot.com', 'webflow.io', 'sites.google.com', 'forms.gle', 'docs.google.com',
  'forms.office.com', 'jotform.com', 'typeform.com', 'onrender.com', 'fly.dev', 'wordpress.com', 'myshopify.com', 'notion.site', 's3.amazonaws.com',
  'amazonaws.com', 'dropboxusercontent.com',
];
