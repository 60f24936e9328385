# language: da
Egenskab: Dannelse af fordring
  KLIK-trin 1: FBS' gebyrer og erstatningskrav bliver til fordringer i kommunens
  debitorsystem, med de rigtige felter, én gang.

  Abstrakt Scenario: Et gebyr og et erstatningskrav bliver til fordringer med de rigtige felter
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Når biblioteket opretter et gebyr for sen aflevering på 30,00 kr
    Og biblioteket opretter et skriftligt anerkendt erstatningskrav på 125,50 kr
    Og integrationen har leveret sine beskeder
    Så har debitorsystemet 2 åbne fordringer for låneren
    Og fordringen for gebyret har typen "Gebyr" og hovedstolen 30,00 kr
    Og fordringen for erstatningskravet har typen "Erstatning" og hovedstolen 125,50 kr
    Og fordringerne har FBS' forfaldsdato og sidste rettidige betalingsdato
    Og FBS viser gebyret som overdraget og ikke til betaling på bibliotekets side

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

  Abstrakt Scenario: En virksomhed (CVR) som skyldner
    Givet en kommune med debitorsystemet "<system>"
    Og en låner som er en virksomhed med CVR-nummer
    Når biblioteket opretter et gebyr for sen aflevering på 250,00 kr
    Og integrationen har leveret sine beskeder
    Så ender gebyret som "<udfald>"

    @opus
    Eksempler: KMD Opus
      | system | udfald   |
      | opus   | oprettet |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     | udfald   |
      | prisme2015 | oprettet |

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     | udfald                          |
      | prisme2009 | parkeret (CvrIkkeUnderstoettet) |

    @eg
    Eksempler: EG ØS Indsigt
      | system | udfald   |
      | eg     | oprettet |

  @kontrol
  Abstrakt Scenario: En dobbelt afsendelse efterlader én fordring
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og svaret fra debitorsystemet går tabt én gang
    Når biblioteket opretter et gebyr for sen aflevering på 30,00 kr
    Og integrationen har leveret sine beskeder
    Så har integrationen sendt den samme besked 2 gange
    Og har debitorsystemet 1 åbne fordringer for låneren

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
