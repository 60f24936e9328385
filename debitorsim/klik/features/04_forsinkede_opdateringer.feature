# language: da
Egenskab: Forsinkede opdateringer
  Kendt udfordring: debitorsystemerne melder betalinger tilbage til FBS om natten, kun efter
  hverdage. En betaling lørdag morgen ses i FBS tirsdag morgen (72 timer), og en låner, der
  har betalt, kan være spærret indtil da. Systemer uden betalingsløsning venter desuden på
  bankens afregning af indbetalingskortet.

  @kontrol @tid
  Abstrakt Scenario: En betaling lørdag ses i FBS først efter weekenden
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et gebyr på 250,00 kr er overdraget til debitorsystemet
    Når borgeren betaler hele gebyret lørdag 10.01.2026 kl. 09:00 på den måde, kommunen tilbyder
    Så ses betalingen i FBS <ses_i_fbs>
    Og rapporten viser tiden fra betaling til opdatering i FBS

    @opus
    Eksempler: KMD Opus
      | system | ses_i_fbs                    |
      | opus   | tirsdag 13.01.2026 kl. 02:00 |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     | ses_i_fbs                    |
      | prisme2015 | tirsdag 13.01.2026 kl. 03:00 |

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     | ses_i_fbs                   |
      | prisme2009 | onsdag 14.01.2026 kl. 01:30 |

    @eg
    Eksempler: EG ØS Indsigt
      | system | ses_i_fbs                   |
      | eg     | onsdag 14.01.2026 kl. 04:00 |

  @kontrol @tid
  Abstrakt Scenario: Helligdage forsinker opdateringen (påske)
    Givet en kommune med debitorsystemet "<system>"
    Og klokken er mandag 30.03.2026 kl. 08:00
    Og en låner med CPR-nummer
    Og et gebyr på 250,00 kr er overdraget til debitorsystemet
    Når borgeren betaler hele gebyret skærtorsdag 02.04.2026 kl. 12:00 på den måde, kommunen tilbyder
    Så ses betalingen i FBS <ses_i_fbs>

    @opus
    Eksempler: KMD Opus
      | system | ses_i_fbs                   |
      | opus   | onsdag 08.04.2026 kl. 02:00 |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     | ses_i_fbs                   |
      | prisme2015 | onsdag 08.04.2026 kl. 03:00 |

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     | ses_i_fbs                    |
      | prisme2009 | torsdag 09.04.2026 kl. 01:30 |

    @eg
    Eksempler: EG ØS Indsigt
      | system | ses_i_fbs                    |
      | eg     | torsdag 09.04.2026 kl. 04:00 |

  @kontrol @tid
  Abstrakt Scenario: Låneren forbliver spærret, indtil FBS er opdateret
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et gebyr på 250,00 kr er overdraget til debitorsystemet
    Så er låneren spærret i FBS
    Når borgeren betaler hele gebyret lørdag 10.01.2026 kl. 09:00 på den måde, kommunen tilbyder
    Så er låneren stadig spærret mandag 12.01.2026 kl. 12:00
    Og spærringen ophører, når betalingen ses i FBS
    Og rapporten viser, hvor længe låneren var spærret efter betalingen

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

  Scenarie: Dubletter og meldinger i forkert rækkefølge
    Givet kommunens debitorsystem
    Og en låner med CPR-nummer
    Og et gebyr på 100,00 kr er overdraget til debitorsystemet
    Når debitorsystemet melder en dækning på 60,00 kr og derefter en på 40,00 kr, men de ankommer i omvendt rækkefølge
    Og den første melding ankommer en gang til
    Så kvitterer FBS for gentagelsen som "Dublet"
    Og er gebyret betalt i FBS med betalingsdatoen
    Og har FBS registreret 100,00 kr i dækning på gebyret
