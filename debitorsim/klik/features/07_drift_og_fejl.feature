# language: da
Egenskab: Drift og fejl
  Når debitorsystemet er nede, venter beskederne og går igennem bagefter - i rækkefølge, uden
  tab og uden dubletter. En forretningsfejl bliver parkeret med en årsag, man kan læse.

  @kontrol
  Abstrakt Scenario: Debitorsystemet er nede, og intet går tabt
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og debitorsystemet er nede
    Når biblioteket opretter et gebyr for sen aflevering på 30,00 kr
    Og biblioteket opretter et skriftligt anerkendt erstatningskrav på 125,50 kr
    Og biblioteket nedskriver gebyret med 10,00 kr
    Og der går en time, mens integrationen prøver igen
    Så venter 3 beskeder i integrationens udbakke, og ingen er parkeret
    Når debitorsystemet er oppe igen
    Og der går 15 minutter
    Så er alle 3 beskeder leveret, og ingen er parkeret
    Og kommunen afstemmer FBS mod debitorsystemet
    Og finder afstemningen 0 forskelle

    @opus
    Eksempler: KMD Opus
      | system |
      | opus   |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     |
      | prisme2015 |

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     |
      | prisme2009 |

    @eg
    Eksempler: EG ØS Indsigt
      | system |
      | eg     |

  @kontrol
  Scenarie: En forretningsfejl parkeres med en læsbar årsag
    Givet kommunens debitorsystem
    Og debitorsystemet tillader kun 10 tegn i fordringsteksten
    Og en låner med CPR-nummer
    Når biblioteket opretter et gebyr for sen aflevering på 30,00 kr
    Og integrationen har leveret sine beskeder
    Så er beskeden parkeret med fejlkoden "TekstForLang" og en årsag på dansk
    Og har debitorsystemet 0 åbne fordringer for låneren
